/**
 * Imported first by main.ts, before any schema is built: zod 4 decides at schema construction whether to compile
 * parsers with `new Function`, which the webview's CSP (no 'unsafe-eval') forbids and reports as a violation.
 */
import * as z from 'zod';

z.config({ jitless: true });
