#!/usr/bin/env node
import { buildCofferCli, runCli } from "../cli/index.js";

await runCli(buildCofferCli(), process.argv);
