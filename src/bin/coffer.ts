#!/usr/bin/env node
// Placeholder entry; the CLI lands with the server.
console.log("coffer");
