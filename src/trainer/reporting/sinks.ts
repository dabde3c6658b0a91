import { EventLog } from './eventLog';
import { SocketReporter } from './socketReporter';
import type { SocketReporterOptions } from './socketReporter';
import type { MessageSink } from './reporter';
import type { TrainerMessage } from '../../protocol/messages';
import { ProgressPrinter } from './progressLine';

export function eventLogSink(path: string): MessageSink {
  const log = new EventLog(path);
  return {
    write: (message) => log.append(message),
    close: () => {
      log.close();
      return Promise.resolve();
    },
  };
}

export function socketSink(options: SocketReporterOptions): MessageSink {
  const socket = new SocketReporter(options);
  return {
    write: (message) => socket.send(message),
    ready: (timeoutMs) => socket.waitUntilConnected(timeoutMs),
    close: async (timeoutMs) => {
      const delivered = await socket.flush(timeoutMs);
      if (!delivered) options.onWarning('some messages were not acknowledged by the extension; they are in events.jsonl');
      socket.close();
    },
  };
}

/** The compact live progress printed when no extension is listening (and to stdout in any case). */
export function consoleSink(stream: NodeJS.WritableStream): MessageSink {
  const printer = new ProgressPrinter((line) => stream.write(`${line}\n`));
  return {
    write: (message: TrainerMessage) => printer.accept(message),
    close: () => Promise.resolve(),
  };
}
