/**
 * A Keystone v3 authentication request (`POST /v3/auth/tokens`, the `auth` object), as the API
 * hands it to the token service after checking its JSON shape.
 */

export interface DomainRef {
  id?: string;
  name?: string;
}

export interface PasswordMethod {
  user: { id?: string; name?: string; domain?: DomainRef; password: string };
}

export interface ProjectScope {
  id?: string;
  name?: string;
  domain?: DomainRef;
}

export interface AuthRequest {
  identity: {
    methods: string[];
    password?: PasswordMethod;
    token?: { id: string };
  };
  /**
   * Absent: scoped to the user's default project when it has a role there, else unscoped.
   * `"unscoped"`: explicitly unscoped. Domain and system scopes are not supported.
   */
  scope?: { project?: ProjectScope; domain?: DomainRef; system?: unknown } | "unscoped";
}
