// Preloaded into a real trainer process (`node --import scripts/bench/sendClock.mjs dist/trainer.js run ...`) by the
// benchmark: records when each message is handed to the socket. The trainer's Reporter gives every message to the
// event-log sink (fs.appendFileSync of one JSON line) and right after, in the same synchronous call, to
// SocketReporter.send; so the moment appendFileSync returns is the send time, on the clock the receiver reads
// (performance.timeOrigin + performance.now()). Times are kept in memory (no I/O on the send path) and written to
// $NC_BENCH_SEND_CLOCK as "seq time" lines when the process exits. The default export of node:fs is the module
// object the trainer's bundle requires, so patching it here reaches the trainer.
import fs from 'node:fs';

const output = process.env.NC_BENCH_SEND_CLOCK;
if (output) {
  const original = fs.appendFileSync;
  const sent = [];
  fs.appendFileSync = function appendFileSync(file, data, ...rest) {
    const result = original.call(this, file, data, ...rest);
    if (typeof data === 'string') {
      const time = performance.timeOrigin + performance.now();
      // The reporter writes {...event, seq}: seq is the last key of the line.
      const match = /"seq":(\d+)\}\s*$/.exec(data.slice(-40));
      if (match) sent.push(`${match[1]} ${time}`);
    }
    return result;
  };
  process.on('exit', () => fs.writeFileSync(output, sent.join('\n') + '\n'));
}
