// Real evolutions per schema format and compatibility mode, each with a change the mode must
// accept and (except none) one it must refuse. Shared by the registry's unit tests and the
// end-to-end tests that drive the same cases through gRPC.

// Each row: a history registered under mode none, then the mode is set; `reject` must be refused
// (`earlierOnly`: it passes the plain mode against the latest version, so only the transitive check
// refuses it) and `accept` must become the next version.
export interface CompatCase {
  mode: string;
  history: string[];
  accept: string;
  reject?: string;
  /** `reject` is compatible with the latest version: only an earlier one refuses it. */
  earlierOnly?: boolean;
}

const avro = (...fields: string[]) => `{"type":"record","name":"User","fields":[${fields.join(",")}]}`;
const name = '{"name":"name","type":"string"}';
const email = '{"name":"email","type":"string"}';
const emailD = '{"name":"email","type":"string","default":""}';
const age = '{"name":"age","type":"int"}';
const ageD = '{"name":"age","type":"int","default":0}';

const avroRows: CompatCase[] = [
  { mode: "none", history: [avro(name)], accept: avro(age) },
  { mode: "backward", history: [avro(name)], accept: avro(name, ageD), reject: avro(name, age) },
  { mode: "forward", history: [avro(name, email)], accept: avro(name, email, age), reject: avro(name) },
  { mode: "full", history: [avro(name)], accept: avro(name, ageD), reject: avro(name, age) },
  {
    mode: "backward_transitive",
    history: [avro(name), avro(name, ageD)],
    accept: avro(name, ageD, emailD),
    reject: avro(name, age),
    earlierOnly: true,
  },
  {
    mode: "forward_transitive",
    history: [avro(name, email), avro(name, emailD)],
    accept: avro(name, email, age),
    reject: avro(name),
    earlierOnly: true,
  },
  {
    mode: "full_transitive",
    history: [avro(name), avro(name, ageD)],
    accept: avro(name, ageD, emailD),
    reject: avro(name, age),
    earlierOnly: true,
  },
];

const closed = (props: string) => `{"type":"object","properties":{${props}},"additionalProperties":false}`;
const open = (props: string) => `{"type":"object","properties":{${props}}}`;
const a = '"a":{"type":"string"}';
const aInt = '"a":{"type":"integer"}';
const b = '"b":{"type":"integer"}';
const note = '"note":{}';

const jsonRows: CompatCase[] = [
  { mode: "none", history: [closed(a)], accept: closed("") },
  { mode: "backward", history: [closed(a)], accept: closed(`${a},${b}`), reject: closed("") },
  { mode: "forward", history: [closed(a)], accept: closed(""), reject: closed(`${a},${b}`) },
  { mode: "full", history: [open(a)], accept: open(`${a},${note}`), reject: open(aInt) },
  {
    mode: "backward_transitive",
    history: [closed(a), closed("")],
    accept: closed(`${a},"c":{"type":"string"}`),
    reject: closed(b),
    earlierOnly: true,
  },
  {
    mode: "forward_transitive",
    history: [closed(a), closed(`${a},${b}`)],
    accept: closed('"a":{"type":"string","description":"x"}'),
    reject: closed(`${a},"b":{"type":"integer","minimum":0}`),
    earlierOnly: true,
  },
  {
    mode: "full_transitive",
    history: [open(a), open(`${a},${note}`)],
    accept: open(`${a},${note},"other":{}`),
    reject: open(`${aInt},${note}`),
  },
];

const proto = (...messages: string[]) => `syntax = "proto3";\npackage demo;\n${messages.join("\n")}\n`;
const main = "message Main { string id = 1; }";
const main2 = "message Main { string id = 1; int64 count = 2; }";
const main3 = "message Main { string id = 1; int64 count = 2; string note = 3; }";
const mainInt = "message Main { int32 id = 1; }";
const old = "message Old { string x = 1; }";

const protobufRows: CompatCase[] = [
  { mode: "none", history: [proto(main)], accept: proto(mainInt) },
  { mode: "backward", history: [proto(main, old)], accept: proto(main2, old), reject: proto(main) },
  { mode: "forward", history: [proto(main)], accept: proto(main2), reject: proto(main, old) },
  { mode: "full", history: [proto(main)], accept: proto(main2), reject: proto(mainInt) },
  {
    mode: "backward_transitive",
    history: [proto(main, old), proto(main)],
    accept: proto(main2, old),
    reject: proto(main2),
    earlierOnly: true,
  },
  {
    mode: "forward_transitive",
    history: [proto(main), proto(main, old)],
    accept: proto(main2),
    reject: proto(main2, old),
    earlierOnly: true,
  },
  {
    mode: "full_transitive",
    history: [proto(main), proto(main2)],
    accept: proto(main3),
    reject: proto(mainInt),
  },
];

export const compatCases: Array<[string, CompatCase[]]> = [
  ["avro", avroRows],
  ["json_schema", jsonRows],
  ["protobuf", protobufRows],
];
