import type { Workflow } from "../workflow.js";
import { resizeFlavor, resizeVolume, restartInstance, startInstance, stopInstance } from "./actions.js";
import { createInstance } from "./create.js";
import { deleteInstance } from "./delete.js";
import { applyConfiguration } from "./configuration.js";
import { updateAccess } from "./access.js";

export type { CreateData } from "./create.js";
export type { DeleteData } from "./delete.js";
export type { ResizeFlavorData, ResizeVolumeData } from "./actions.js";
export type { ApplyConfigurationData } from "./configuration.js";
export type { UpdateAccessData } from "./access.js";

/** Every workflow the task manager runs, by kind. */
export const WORKFLOWS: readonly Workflow[] = [
  createInstance,
  deleteInstance,
  restartInstance,
  resizeVolume,
  resizeFlavor,
  stopInstance,
  startInstance,
  applyConfiguration,
  updateAccess,
];
