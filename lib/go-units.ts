/** go-units' size texts, as docker prints them (`docker images` SIZE, `docker stats` MEM USAGE). Pure. */

/** Go's %.{precision}g: shortest form, no trailing zeros, exponent as e+03. */
export function formatGoG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = value.toExponential(precision - 1).split('e');
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function scaled(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${formatGoG(size, precision)}${units[i]}`;
}

/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB", "32MiB"). */
export function bytesSize(size: number): string {
  return scaled(size, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'], 4);
}

/** go-units HumanSizeWithPrecision: decimal units ("1.05MB", "0B"). */
export function humanSize(size: number, precision = 3): string {
  return scaled(size, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'], precision);
}
