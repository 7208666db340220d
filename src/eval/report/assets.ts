// The chart library inlined into every report: uPlot's IIFE build and style sheet, resolved from node_modules at
// run time (so a dist/ build finds them too) and read once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AdrankError } from '../../core/errors.js';

export interface ChartLibrary {
  script: string;
  css: string;
  version: string;
  /** the package's LICENSE text (MIT), carried with every copy */
  licenseText: string;
}

let cached: ChartLibrary | undefined;

/** The path of a file of an installed package; FILE_NOT_FOUND when it is not installed. */
export function resolvePackageFile(specifier: string, require = createRequire(import.meta.url)): string {
  try {
    return require.resolve(specifier);
  } catch {
    throw new AdrankError('FILE_NOT_FOUND', `${specifier} is not installed`, {
      location: { file: specifier },
      hint: 'run `npm ci` in the adrank directory (it installs the pinned dependencies, uplot among them)',
    });
  }
}

/** uPlot's files; throws FILE_NOT_FOUND when the package is missing. */
export function chartLibrary(): ChartLibrary {
  if (cached) return cached;
  const script = readFileSync(resolvePackageFile('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(resolvePackageFile('uplot/dist/uPlot.min.css'), 'utf8');
  const manifest = JSON.parse(readFileSync(resolvePackageFile('uplot/package.json'), 'utf8')) as { version: string };
  const licenseText = readFileSync(resolvePackageFile('uplot/LICENSE'), 'utf8');
  // inlined text must not be able to close its element
  if (/<\/script/i.test(script + licenseText) || /<\/style/i.test(css) || licenseText.includes('*/')) {
    throw new AdrankError('BAD_ARTIFACT', 'the installed uPlot build contains a closing </script> or </style> tag', {
      location: { file: 'uplot/dist' },
      hint: 'reinstall the pinned uplot version with `npm ci`',
    });
  }
  cached = { script, css, version: manifest.version, licenseText };
  return cached;
}
