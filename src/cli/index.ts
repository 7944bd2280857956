/**
 * cli: the `coffer` and `coffer-manage` command lines (commander). One file per command group;
 * each command parses its arguments and calls the component that does the work. Output is a
 * readable table by default and JSON with `--json`.
 */
export { buildCofferCli, buildManageCli, runCli } from "./program.js";
export {
  addAuthFlags,
  resolveAuthOptions,
  AUTH_SETTINGS,
  type AuthOptions,
  type AuthSetting,
} from "./auth.js";
export { login, identityUrl, type Session } from "./session.js";
export { HttpClient, errorFrom, type HttpClientOptions, type HttpResponse, type FetchLike } from "./http.js";
