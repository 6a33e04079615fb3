// Validates Amazon States Language files with asl-validator (its JS API mutates the
// object it is given: each file is parsed fresh). Usage: node validate.mjs FILE...
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';

let failed = 0;
for (const file of process.argv.slice(2)) {
  const { isValid, errorsText } = aslValidator(JSON.parse(readFileSync(file, 'utf8')));
  if (isValid) {
    console.log(`asl-validator: ${file}: valid`);
  } else {
    failed++;
    console.error(`asl-validator: ${file}: ${errorsText('\n  ')}`);
  }
}
process.exit(failed ? 1 : 0);
