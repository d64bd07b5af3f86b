#!/usr/bin/env node
// The installed package runs the compiled CLI; in a checkout, `npm run warden -- ...` runs the sources.
import { main } from '../dist/cli/main.js';

main();
