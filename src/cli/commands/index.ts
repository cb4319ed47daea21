// One file per command. Each registers its flags and lazily imports the library code it calls, so
// `sparklane render` never loads the Kubernetes or AWS clients.
import type { Command } from "commander";

import { register as renderCmd } from "./render.js";
import { register as validateCmd } from "./validate.js";
import { register as lintCmd } from "./lint.js";
import { register as runCmd } from "./run.js";
import { register as submitCmd } from "./submit.js";
import { register as statusCmd } from "./status.js";
import { register as logsCmd } from "./logs.js";
import { register as deleteCmd } from "./delete.js";
import { register as listCmd } from "./list.js";
import { register as packageCmd } from "./package.js";
import { register as publishCmd } from "./publish.js";
import { register as bootstrapCmd } from "./bootstrap.js";
import { register as ivySettingsCmd } from "./ivy-settings.js";
import { register as exporterCmd } from "./exporter.js";
import { register as doctorCmd } from "./doctor.js";
import { register as initCmd } from "./init.js";
import { register as bakeCmd } from "./bake.js";
import { register as costCmd } from "./cost.js";
import { register as uiCmd } from "./ui.js";

export function registerAll(program: Command): void {
  initCmd(program);
  renderCmd(program);
  validateCmd(program);
  lintCmd(program);
  runCmd(program);
  submitCmd(program);
  statusCmd(program);
  logsCmd(program);
  deleteCmd(program);
  listCmd(program);
  packageCmd(program);
  publishCmd(program);
  bootstrapCmd(program);
  ivySettingsCmd(program);
  exporterCmd(program);
  doctorCmd(program);
  bakeCmd(program);
  costCmd(program);
  uiCmd(program);
}
