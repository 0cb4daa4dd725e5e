/**
 * The flow API's type declarations, for the browser's code editor (Monaco: add as an extra lib, e.g.
 * `monaco.languages.typescript.typescriptDefaults.addExtraLib(flowApiDeclarations, 'flowline/flow-api.d.ts')`).
 * With it, `this.` completes in a handler typed `handler(this: Execution, system: System)` and a wrong
 * call is underlined. Kept as a string so it can be shipped to the browser as is.
 *
 * Not written by hand: scripts/flow-api-dts.ts (`npm run flow-api:types`) generates it from the types
 * engine/api/runner-api.ts declares and checks createFlowApi against, into flow-api.generated.ts.
 * flow-api-types.test.ts fails when that file is out of date, and type-checks flows against it.
 */
export { flowApiDeclarations } from './flow-api.generated';
