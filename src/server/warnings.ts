import type { Config } from "../config/index.js";
import type { Logger } from "../lib/index.js";

/**
 * Start-up checks of the scaled-out shape (docs/scale-out.md) for options a process sharing its
 * database and bus with others must be given, whose defaults only suit the embedded shape.
 */

/**
 * An API sharing its database with other processes names itself in the service catalog and in
 * admin-openrc.sh unless told the one address clients use: say so, since every client that follows
 * the catalog would then bypass the load balancer.
 */
export function warnOfOwnAddress(config: Config, log: Logger): void {
  if (!config.publicUrlDefaulted || config.infraDb.kind !== "postgres") return;
  log.warn(
    { publicUrl: config.publicUrl },
    "no --public-url: the service catalog and admin-openrc.sh name this process's own address; " +
      "behind a load balancer, give every API process --public-url <the load balancer's URL>",
  );
}

/**
 * A task manager places every new instance on the compute host `--host-name` names (until a
 * scheduler chooses). One that shares a bus with a compute host in another process and was not
 * told its name uses this machine's hostname, and every create it runs fails with BUS_NO_SERVER
 * on compute.<that name>: say so at start.
 */
export function warnOfOwnHostName(config: Config, log: Logger): void {
  if (!config.hostNameDefaulted || config.roles.includes("compute") || config.bus.kind !== "amqp") return;
  log.warn(
    { hostName: config.hostName },
    "no --host-name: this task manager places new instances on the compute host named like this machine " +
      `(bus topic compute.${config.hostName}); give every task manager --host-name <the compute host's --host-name>`,
  );
}
