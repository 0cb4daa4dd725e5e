import { runMain } from './lib/bootstrap';
import { serve } from './lib/serve';

runMain(() => serve({ dev: process.argv.includes('--dev') }));
