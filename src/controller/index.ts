// The controller process (data folder, start-up, shutdown): what the CLI's server commands start.
export { startController, SERVICES, type Controller, type ControllerDeps } from './controller.ts';
export { startDcWorker, type DcWorker } from './dc-worker.ts';
