import { runCommand } from './src/trainer/commands/run';
runCommand(process.argv.slice(2)).then((c) => { console.log('exit', c); }, (e) => { console.error('ERR', e); });
