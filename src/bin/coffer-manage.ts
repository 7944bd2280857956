#!/usr/bin/env node
console.log("coffer-manage");
