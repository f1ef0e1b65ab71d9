// The Go template renderer (src/gotemplate) on Go's documented text/template semantics and edge cases.
// Each case states what Go prints; the whole table is also rendered by Go itself (render-oracle) and must
// agree byte for byte, errors included.
import { GoTemplate, fromJsonValue, parseWithSprig, TemplateParseError } from '../../src/gotemplate';
import { INJECTION_FUNCS } from '../../src/inject/template-funcs';
import { renderWithGo } from '../support/render-oracle';

interface Case {
  name: string;
  text: string;
  data?: unknown;
  /** Go's output, or `error: <message>` for a parse/exec error. */
  want: string;
}

const CASES: Case[] = [
  // Whitespace trimming and comments.
  { name: 'trim markers', text: 'a  {{- " b " -}}  c', want: 'a b c' },
  { name: 'trim across newlines', text: 'x\n\n  {{- 1 }}\n  {{- 2 -}}\n\ny', want: 'x12y' },
  { name: 'a dash without a space is a number', text: '{{-3}}', want: '-3' },
  { name: 'comments', text: '{{/* c */ -}}  x {{- /* d */}} y', want: 'x y' },
  // Printing: nil, maps (sorted), slices, ints vs float64, missing keys.
  { name: 'missing key prints <no value>', text: '{{ .missing }}|{{ index . "missing" }}|{{ printf "%v" .missing }}|{{ print nil }}', data: {}, want: '<no value>|<no value>|<nil>|<nil>' },
  { name: 'maps sorted, slices spaced', text: '{{ . }}', data: { b: [1, 'x', null], a: { c: null } }, want: 'map[a:map[c:<nil>] b:[1 x <nil>]]' },
  { name: 'JSON numbers are float64', text: '{{ .small }} {{ .big }} {{ .frac }} {{ .neg }} {{ 1000000 }} {{ 1e6 }}', data: { small: 15020, big: 1000000, frac: 0.5, neg: -1.25e-7 }, want: '15020 1e+06 0.5 -1.25e-07 1000000 1e+06' },
  { name: 'printf verbs', text: '{{ printf "%s-%d-%t-%q-%5s|%-4s|%x|%v" "a" 3 true "q\\"" "r" "l" 255 .f }}', data: { f: 2.5 }, want: '' },
  { name: 'printf wrong verb and missing/extra args', text: '{{ printf "%d %s" "x" }} {{ printf "%s" "a" "b" }}', want: '' },
  { name: 'print spacing', text: '{{ print 1 2 "a" 3 "b" "c" }}|{{ println 1 "a" }}', want: '' },
  // Control structures.
  { name: 'if / else if / else', text: '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', data: { a: '', b: [1] }, want: 'B' },
  { name: 'with / else', text: '{{ with .a }}[{{ . }}]{{ else }}none{{ end }}{{ with .b }}[{{ . }}]{{ end }}', data: { a: 0, b: 'x' }, want: 'none[x]' },
  { name: 'range over a map in key order', text: '{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}', data: { b: 2, a: 1, c: 'z' }, want: 'a=1;b=2;c=z;' },
  { name: 'range with index, one var, else', text: '{{ range $i, $v := .l }}{{ $i }}:{{ $v }} {{ end }}{{ range $v := .l }}{{ $v }}{{ end }}{{ range .e }}x{{ else }}empty{{ end }}', data: { l: ['a', 'b'], e: [] }, want: '0:a 1:b abempty' },
  { name: 'range over an int, break, continue', text: '{{ range $i := 6 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 4 }}{{ break }}{{ end }}{{ $i }}{{ end }}', want: '023' },
  { name: 'range over missing value is empty', text: '{{ range .nothing }}x{{ else }}no{{ end }}', data: {}, want: 'no' },
  { name: 'variables, assignment, $', text: '{{ $x := 1 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }} {{ with .l }}{{ $.name }}{{ end }}', data: { l: ['p', 'q'], name: 'n' }, want: 'q n' },
  { name: 'a define named like the template itself', text: '{{ define "t" }}a{{ end }}b', want: 'error: template: t:1: template: multiple definition of template "t"' },
  { name: 'define / template / block', text: '{{ define "x" }}<{{ . }}>{{ end }}{{ template "x" .a }}{{ block "b" .a }}[{{ . }}]{{ end }}{{ template "x" }}', data: { a: 'A' }, want: '<A>[A]<<no value>>' },
  // Builtins.
  { name: 'and/or return values, short-circuit', text: '{{ and 1 0 "x" }}|{{ or "" 0 "y" }}|{{ and 1 "z" }}|{{ or 0 .missing.field }}', data: {}, want: '0|y|z|<no value>' },
  { name: 'comparisons', text: '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }} {{ eq .missing "x" }}', data: {}, want: 'true true true true true true false false' },
  { name: 'eq of incompatible kinds is an error', text: '{{ eq 1 "1" }}', want: 'error: template: t:1:3: executing "t" at <eq 1 "1">: error calling eq: incompatible types for comparison: int and string' },
  { name: 'len, index, slice', text: '{{ len .s }} {{ len .m }} {{ index .l 1 }} {{ index .m "k" }} {{ slice .l 1 }}', data: { s: 'héllo', m: { k: 'v' }, l: ['a', 'b', 'c'] }, want: '6 1 b v [b c]' },
  { name: 'slice is Sprig’s (lists only)', text: '{{ slice "abc" 1 }}', want: 'error: template: t:1:3: executing "t" at <slice "abc" 1>: error calling slice: list should be type of slice or array but string' },
  { name: 'index out of range', text: '{{ index .l 5 }}', data: { l: [1] }, want: 'error: template: t:1:3: executing "t" at <index .l 5>: error calling index: index out of range: 5' },
  { name: 'html, js, urlquery', text: `{{ html "<a href='x'>&" }} {{ js "it's \\"q\\" <b>" }} {{ urlquery "a b&c=d/é" }}`, want: '' },
  { name: 'field of a nil map value', text: '{{ .a.b }}', data: { a: null }, want: 'error: template: t:1:5: executing "t" at <.a.b>: nil pointer evaluating interface {}.b' },
  { name: 'a variable chain is positioned at its first field', text: '{{ $.a.b }}', data: { a: null }, want: 'error: template: t:1:4: executing "t" at <$.a.b>: nil pointer evaluating interface {}.b' },
  { name: 'field of a missing key', text: '{{ .a.b.c }}', data: {}, want: '<no value>' },
  // Sprig.
  { name: 'default treats empty as unset', text: '{{ default "d" .e }} {{ default "d" .z }} {{ default "d" .f }} {{ .m | default "x" }} {{ default "d" "v" }}', data: { e: '', z: 0, f: false }, want: 'd d d x v' },
  { name: 'quote, squote, trimAll, trunc, replace, lower, contains, hasPrefix', text: '{{ quote "a\\"b" 1 nil }} {{ squote "x" }} {{ trimAll "-_" "-_a-b_-" }} {{ trunc 3 "abcdef" }} {{ replace "a" "b" "banana" }} {{ lower "ABC" }} {{ contains "an" "banana" }} {{ hasPrefix "ba" "banana" }}', want: '' },
  { name: 'dict, list, append, hasKey, join, splitList, empty, ternary, b64enc', text: '{{ $d := dict "b" 1 "a" "x" }}{{ $d }} {{ hasKey $d "a" }} {{ list 1 "a" }} {{ append (list 1) 2 }} {{ join "," (list "a" 1 "b") }} {{ splitList "," "a,b" }} {{ empty (list) }} {{ ternary "y" "n" true }} {{ b64enc "hi" }}', want: '' },
  { name: 'toJson, nindent, indent (Istio: all but the first line)', text: '{{ toJson .m }}{{ "a\\nb" | nindent 2 }}|{{ indent 2 "a\\nb" }}', data: { m: { b: [1.5, 'x<'], a: null } }, want: '' },
  { name: 'map keys that JavaScript objects inherit are missing keys', text: '{{ .toString }}|{{ .constructor }}|{{ .m.hasOwnProperty }}|{{ index . "valueOf" }}', data: { m: { a: 1 } }, want: '' },
  { name: 'toYaml key order (digit runs as numbers, letters after the rest, non-ASCII), marshalled twice', text: '{{ toYaml . }}{{ toYaml . }}', data: { a10: 1, a9: 2, a09: 3, a009: 4, B: 5, _x: 6, '1': 7, '10': 8, '2': 9, 'é': 10, z: 11, 'a-b': 12, ab: 13, 'Ünï': 14 }, want: '' },
  { name: 'toYaml', text: '{{ toYaml . }}', data: { list: ['*', 'true', '', 'plain', 'a: b', 1.5, 100], nested: { b: { c: [{ x: 1, y: 'z' }] } }, multi: 'a\nb\n', y: 'n' }, want: '' },
  // Parse errors.
  { name: 'unknown function (parse time)', text: 'x\n{{ nosuch 1 }}', want: 'error: template: t:2: function "nosuch" not defined' },
  { name: 'undefined variable', text: '{{ $x }}', want: 'error: template: t:1: undefined variable "$x"' },
  { name: 'a trailing pipe', text: '{{ "a" | }}', want: '' },
  { name: 'a leading pipe', text: '{{ | "a" }}', want: '' },
  { name: 'a constant after a pipe', text: '{{ "a" | "b" }}', want: '' },
  { name: 'unclosed action', text: '{{ if true }}x', want: 'error: template: t:1: unexpected EOF' },
  { name: 'wrong number of args', text: '{{ quote }}{{ trunc 1 }}', want: 'error: template: t:1:14: executing "t" at <trunc>: wrong number of args for trunc: want 2 got 1' },
  { name: 'wrong argument type', text: '{{ trunc "x" "y" }}', want: 'error: template: t:1:9: executing "t" at <"x">: expected integer; found "x"' },
];

function renderMesh(c: Case): string {
  try {
    const t: GoTemplate = parseWithSprig('t', c.text, INJECTION_FUNCS);
    return t.execute(fromJsonValue(c.data ?? {}));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('Go template semantics', () => {
  it.each(CASES.filter((c) => c.want !== '').map((c) => [c.name, c]))('%s', (_name, c) => {
    expect(renderMesh(c)).toBe(c.want);
  });
});

test('the whole table renders byte-identical to Go (render-oracle), errors included', () => {
  const expected = renderWithGo(CASES.map((c) => ({ kind: 'generic', name: 't', text: c.text, data: c.data ?? {} })));
  const got = CASES.map((c) => ({ name: c.name, out: renderMesh(c) }));
  expect(got).toEqual(CASES.map((c, i) => ({ name: c.name, out: expected[i].out ?? `error: ${expected[i].error}` })));
});

test('parse errors are TemplateParseErrors', () => {
  expect(() => GoTemplate.parse('x', '{{ nosuch }}')).toThrow(TemplateParseError);
});
