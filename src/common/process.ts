// The operating system's processes, as the controller and its database supervision see them.

/** Whether a process with this pid exists (one of another user's counts: EPERM means it is there). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
