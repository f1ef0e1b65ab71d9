import { coerceToKubernetesString, goFormatFloat } from '../../src/yaml/go-number';

describe('Go number formatting', () => {
  it("formats floats like strconv.FormatFloat(f, 'g', -1, 64|32)", () => {
    // Expected values printed by Go 1.26's strconv.
    const cases: Array<[number, string, string]> = [
      [1e6, '1e+06', '1e+06'],
      [123456.5, '123456.5', '123456.5'],
      [1234567.5, '1.2345675e+06', '1.2345675e+06'],
      [0.0001, '0.0001', '0.0001'],
      [0.00001, '1e-05', '1e-05'],
      [1e21, '1e+21', '1e+21'],
      [0.1, '0.1', '0.1'],
      [1.5e-7, '1.5e-07', '1.5e-07'],
      [1e100, '1e+100', '+Inf'],
      [5e-324, '5e-324', '0'],
    ];
    for (const [value, g64, g32] of cases) {
      expect([goFormatFloat(value), goFormatFloat(value, 32)]).toEqual([g64, g32]);
    }
  });

  it('coerces numbers and booleans the way Kubernetes fills string fields', () => {
    expect([1, 1.5, 0.1, true, false, 'x', null].map(coerceToKubernetesString)).toEqual(['1', '1.5', '0.1', 'true', 'false', 'x', null]);
  });
});
