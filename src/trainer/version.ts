declare const NC_MONITOR_VERSION: string | undefined;

/** Set by esbuild's `define`; "dev" when run from source (tsx). */
export const TRAINER_VERSION = typeof NC_MONITOR_VERSION === 'string' ? NC_MONITOR_VERSION : 'dev';
export const TRAINER_CLIENT = `nc-monitor-trainer ${TRAINER_VERSION} (node ${process.versions.node})`;
