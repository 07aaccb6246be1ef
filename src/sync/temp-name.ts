// The one form of mtr's temp names, for uploads and downloads alike: `.<name>.mtr-tmp-<suffix>`
// beside the file it becomes, or a bare `.mtr-tmp-<suffix>` when that would pass the name limit.

const NAME_MAX = 255;

export function tempBaseName(name: string, suffix: string): string {
  const long = `.${name}.mtr-tmp-${suffix}`;
  return Buffer.byteLength(long) <= NAME_MAX ? long : `.mtr-tmp-${suffix}`;
}
