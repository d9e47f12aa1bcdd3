// A screenshot of one viewport of a page (run by tests/dashboard.rs for the docs' picture of
// the dashboard):
//   node screenshot.mjs URL PATH WIDTH HEIGHT
// Prints the page's status and what the browser complained of, as JSON.
import { withPage } from './launch.mjs';

const [url, path, width, height] = process.argv.slice(2);
if (!url || !path || !(Number(width) > 0) || !(Number(height) > 0)) {
  console.error('usage: node screenshot.mjs URL PATH WIDTH HEIGHT');
  process.exit(2);
}

const found = await withPage(async (page, seen) => {
  await page.setViewportSize({ width: Number(width), height: Number(height) });
  const response = await page.goto(url);
  await page.screenshot({ path });
  return { status: response.status(), errors: seen.errors, dialogs: seen.dialogs };
});

process.stdout.write(`${JSON.stringify(found)}\n`);
