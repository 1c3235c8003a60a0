// Types for @michaelhomer/jqjs (a pure-JavaScript jq), which ships none.
declare module '@michaelhomer/jqjs' {
  type Filter = (input: unknown) => Iterable<unknown>;
  interface Jq {
    (program: string): Filter;
    compile(program: string): Filter;
  }
  const jq: Jq;
  export default jq;
}
