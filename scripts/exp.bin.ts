#!/usr/bin/env node
import { run } from './exp.ts';

process.exitCode = await run(process.argv.slice(2));
