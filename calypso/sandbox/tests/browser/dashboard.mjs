// The sandbox's dashboard in a real Chromium (run by tests/dashboard.rs, which has made a
// customer whose description is a script tag, a normal customer with an address, and a
// confirmed deposit whose webhooks were delivered):
//   node dashboard.mjs BASE_URL SCREENSHOT_PATH
// Prints one JSON object of findings for the Rust test to check; asserts nothing itself.
import { withPage } from './launch.mjs';

const [baseUrl, screenshot] = process.argv.slice(2);
if (!baseUrl || !screenshot) {
  console.error('usage: node dashboard.mjs BASE_URL SCREENSHOT_PATH');
  process.exit(2);
}

const HOSTILE = '<script>window.__pwned = 1; alert(1)</script>';
const THIRTY_ONE_DAYS = '2678400';

/** How many elements of `selector` have exactly `text` as their text. */
async function count(page, selector, text) {
  return page.locator(selector).filter({ hasText: new RegExp(`^${text}$`) }).count();
}

/** Submits the form of `button` and waits for the page the action redirects to. */
async function submit(page, button) {
  await Promise.all([page.waitForURL(/\/\?notice=/), page.click(button)]);
}

const found = await withPage(async (page, seen) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const response = await page.goto(`${baseUrl}/`);
  const found = { status: response.status() };

  // What was made through the API is shown; the script tag is text, and never ran.
  found.customerShown = (await page.locator('table.customers', { hasText: 'ada-lovelace' }).count()) === 1;
  found.scriptShownAsText = (await page.getByText(HOSTILE, { exact: true }).count()) === 1;
  found.pwned = await page.evaluate(() => typeof window.__pwned);
  found.scriptElements = await page.locator('script').count();
  found.delivered = await count(page, '#events .badge', 'DELIVERED');
  found.expiredBefore = await count(page, '#events code', 'CUSTOMER_PURSE_EXPIRED');
  found.declinedBefore = await count(page, 'table.transactions .badge', 'DECLINED');

  // Moving the clock 31 days expires the address that had no deposit.
  await page.fill('#clock-form input[name=seconds]', THIRTY_ONE_DAYS);
  await submit(page, '#clock-form button:not([name])');
  found.clockNotice = await page.locator('#notice').innerText();
  found.offsetShown = (await page.locator('#clock').innerText()).includes('31 d ahead');
  found.expiredAfter = await count(page, '#events code', 'CUSTOMER_PURSE_EXPIRED');

  // A trigger adds a declined deposit.
  await page.selectOption('#trigger-form select[name=scenario]', 'declined_deposit');
  await submit(page, '#trigger-form button');
  found.triggerNotice = await page.locator('#notice').innerText();
  found.declinedAfter = await count(page, 'table.transactions .badge', 'DECLINED');

  await page.screenshot({ path: screenshot, fullPage: true });
  found.dialogs = seen.dialogs;
  found.errors = seen.errors;
  return found;
});

process.stdout.write(`${JSON.stringify(found)}\n`);
