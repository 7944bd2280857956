/**
 * cli: the `coffer` and `coffer-manage` command lines (commander). One file per command group;
 * each command parses its arguments and calls the component that does the work. Output is a
 * readable table by default and JSON with `--json`.
 */
export { buildCofferCli, buildManageCli, runCli } from "./program.js";
