/**
 * The runner program the sandbox pool forks (bundled into one file with everything it imports, see
 * bundle.ts): the runner machinery with the real flow API.
 */
import { createFlowApi } from '../api/runner-api';
import { startRunner } from './runner-core';

startRunner(createFlowApi);
