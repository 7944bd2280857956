#!/usr/bin/env node
import { buildManageCli, runCli } from "../cli/index.js";

await runCli(buildManageCli(), process.argv);
