// Browser tests of the web UI in real headless Chromium (playwright-core, Debian's /usr/bin/chromium).
// Run by crates/orfevre/tests/browser.rs: node e2e/configurator.mjs BASE_URL SCREENSHOT_DIR ADMIN_EMAIL PASSWORD
import { chromium } from 'playwright-core';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const [url, shots, adminEmail, password] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // WebGL through SwiftShader (software), for the 3D viewer.
  // A fake microphone and camera for the voice messages recorded in the vault.
  args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const failures = [];
async function check(name, f) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
  const page = await ctx.newPage();
  try {
    await f(page, ctx);
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  } finally {
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true }).catch(() => {});
    await ctx.close();
  }
}
const assert = (c, m) => { if (!c) throw new Error(m); };
const total = (page) => page.locator('orfevre-configurator output[data-testid=total]').textContent();
async function settled(page) { await page.waitForLoadState('networkidle'); }

await check('storefront', async (page) => {
  await page.goto(url);
  await page.getByRole('link', { name: /Moments/ }).first().waitFor();
  const cards = await page.locator('.grid li').count();
  assert(cards >= 10, `storefront shows the bases (${cards})`);
});

await check('compose-price-changes', async (page) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  const before = await total(page);
  await page.locator('button.cand').first().click();
  await page.waitForFunction((b) => document.querySelector('orfevre-configurator').shadowRoot
    .querySelector('output[data-testid=total]')?.textContent !== b, before);
  const after = await total(page);
  assert(after !== before, `price follows: ${before} → ${after}`);
  assert(await page.locator('g.item').count() === 1, 'the charm is on the preview');
});

await check('search-candidates', async (page) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  const all = await page.locator('ul.candidates > li:visible').count();
  await page.getByRole('searchbox', { name: 'Search' }).fill('heart');
  await page.waitForFunction((n) => document.querySelector('orfevre-configurator').shadowRoot
    .querySelectorAll('ul.candidates > li:not([hidden])').length < n, all);
  const texts = await page.locator('ul.candidates > li:visible').evaluateAll((ls) => ls.map((l) => l.dataset.text));
  assert(texts.length > 0 && texts.every((t) => t.includes('heart')), `only hearts: ${texts.length} of ${all}`);
  assert(await page.getByRole('searchbox', { name: 'Search' }).evaluate((e) => e.getRootNode().activeElement === e),
    'the search box keeps focus while typing');
});

await check('capacity-repair', async (page) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  for (let i = 0; i < 40 && (await page.locator('button.fix').count()) === 0; i++) {
    const n = await page.locator('g.item').count();
    await page.locator('button.cand').first().click();
    await page.waitForFunction((n) => document.querySelector('orfevre-configurator').shadowRoot.querySelectorAll('g.item').length > n, n);
    await settled(page);
  }
  const fix = page.locator('button.fix').first();
  assert(await fix.count() === 1, 'a full section offers a repair');
  const items = await page.locator('g.item').count();
  const size = await page.locator('select[data-size]').inputValue();
  await fix.click();
  await settled(page);
  const after = await page.locator('g.item').count();
  const sizeAfter = await page.locator('select[data-size]').inputValue();
  assert(after >= items || sizeAfter !== size, 'the repair was applied and the candidate added');
  assert(await page.locator('.ok').count() === 1, 'the repaired design is valid');
});

await check('spell-accented-name', async (page) => {
  await page.goto(`${url}/b/name-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  await page.getByLabel('Type a name').fill('Zoë');
  await page.getByRole('button', { name: 'Spell it' }).click();
  await page.locator('.spell-issues li').waitFor();
  await page.locator('g.item').nth(1).waitFor();
  const text = await page.locator('.spell-issues').textContent();
  assert(text.includes('ë') && text.includes('AB-E'), `the missing accent is flagged with its fallback: ${text}`);
  assert(await page.locator('g.item').count() >= 2, 'the other letters are on the strand');
});

await check('letter-between-spacer-ends', async (page) => {
  // The name bracelet starts and ends with a spacer: a letter picked from the list goes before
  // the closing spacer, so the name stays makeable.
  await page.goto(`${url}/b/name-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  await page.getByLabel('Type a name').fill('Léa');
  await page.getByRole('button', { name: 'Spell it' }).click();
  await page.locator('g.item').nth(4).waitFor();
  await settled(page);
  assert(await page.locator('.ok').count() === 1, 'the spelled name is valid');
  const before = await page.locator('g.item').count();
  await page.locator('button.cand').filter({ hasText: /letter bead M\b|Letter M\b|\bM\b/i }).first().click();
  await settled(page);
  await page.locator('g.item').nth(before).waitFor();
  assert(await page.locator('.ok').count() === 1, 'the name with the added letter is still valid');
});

let shared;
await check('engraving-preview', async (page) => {
  await page.goto(`${url}/b/engraved-pendant`);
  await page.locator('output[data-testid=total]').waitFor();
  await page.locator('input[data-field=engraving]').pressSequentially('Zoë', { delay: 30 });
  const svg = page.locator('[data-preview=engraving] svg');
  await svg.waitFor();
  assert(await svg.getAttribute('width') === '16mm', 'the preview is the 16 × 8 mm zone');
  assert(await page.locator('[data-preview=engraving] svg path').count() > 0, 'outlines drawn');
  await page.locator('select[data-font=engraving]').selectOption('script');
  await page.locator('input[data-field=engraving]').fill('Zoë ♥');
  await page.locator('input[data-field=engraving]').dispatchEvent('input');
  await page.locator('[data-preview=engraving] .warn', { hasText: 'no glyph' }).waitFor();
});

await check('save-and-share', async (page, ctx) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  await page.locator('button.cand').nth(1).click();
  await settled(page);
  const price = await total(page);
  await page.getByRole('button', { name: 'Save & share' }).click();
  shared = await page.locator('a[data-share]').getAttribute('href');
  assert(/\/d\/[0-9a-f]{64}$/.test(shared), `share link ${shared}`);
  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto(shared);
  await p2.locator('output[data-testid=total]').waitFor();
  assert(await total(p2) === price, 'the shared link opens the same design');
  assert(await p2.locator('g.item').count() === await page.locator('g.item').count(), 'same charms');
  await other.close();
  void ctx;
});

let orderId;
let shopperEmail;
await check('order-to-back-office', async (page) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  await page.locator('button.cand').first().click();
  await settled(page);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('#order form.auth').waitFor();
  shopperEmail = `shopper-${Date.now()}@example.com`;
  await page.getByLabel('Email').fill(shopperEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#order p', { hasText: '@example.com' }).waitFor();
  await page.getByRole('button', { name: /Place order/ }).click();
  orderId = await page.locator('[data-order]').textContent();
  assert(/^ord_/.test(orderId), `order placed: ${orderId}`);
  const staff = await browser.newContext();
  const p2 = await staff.newPage();
  await p2.goto(`${url}/admin`);
  await p2.getByLabel('Email').fill(adminEmail);
  await p2.getByLabel('Password').fill(password);
  await p2.getByRole('button', { name: 'Sign in' }).click();
  await p2.locator(`tr[data-order="${orderId}"]`).waitFor();
  const row = p2.locator(`tr[data-order="${orderId}"]`);
  await row.locator('td[data-status="awaiting_payment"]').waitFor();
  await row.getByRole('button', { name: 'Mark paid (demo)' }).click();
  await p2.locator(`tr[data-order="${orderId}"] td[data-status="placed"]`).waitFor();
  await p2.locator(`tr[data-order="${orderId}"]`).getByRole('button', { name: 'Start production' }).click();
  await p2.locator(`tr[data-order="${orderId}"] td[data-status="in_production"]`).waitFor();
  await staff.close();
});

await check('workshop-job', async (page) => {
  assert(orderId, 'the order of the previous check is in production');
  // The assembly sheet's QR code opens this address on the workshop's phone.
  await page.goto(`${url}/workshop/jobs/${orderId}-1`);
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-status="in_production"]').waitFor();
  const href = await page.locator('a[data-bag]').getAttribute('href');
  const res = await page.request.get(`${url}${href}`);
  assert(res.status() === 200 && res.headers()['content-type'] === 'application/zip', `job bag: ${res.status()}`);
  const body = await res.body();
  assert(body.subarray(0, 2).toString() === 'PK', 'the job bag is a zip');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(width <= 390, `the job page is ${width} px wide on a 390 px phone`);
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `workshop job: axe: ${bad.map((v) => `${v.id} (${v.nodes.length})`).join(', ')}`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${shots}/workshop-job-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
});

await check('piece-vault', async (page) => {
  assert(orderId && shopperEmail, 'the order of the previous check is in production');
  // The workshop (here the admin) records the made piece from the back office.
  const staff = await browser.newContext();
  const p2 = await staff.newPage();
  await p2.goto(`${url}/admin`);
  await p2.getByLabel('Email').fill(adminEmail);
  await p2.getByLabel('Password').fill(password);
  await p2.getByRole('button', { name: 'Sign in' }).click();
  await p2.locator(`tr[data-order="${orderId}"]`).getByRole('button', { name: 'Record made piece' }).click();
  const serial = await p2.locator('[data-piece]').textContent();
  // Later the workshop alters it from its page: a module from the feasible candidates, then one
  // taken off; the story tells both.
  await p2.goto(`${url}/p/${serial}`);
  await p2.locator('form.alter').waitFor();
  const chosen = (await p2.locator('form.alter select[name=sku] option').first().textContent()).trim();
  await p2.getByLabel('Note (optional)').fill('a birthday');
  await p2.locator('form.alter').getByRole('button', { name: 'Add or swap in' }).click();
  await p2.locator('ol.story li[data-kind^=module_]').first().waitFor();
  const story = await p2.locator('ol.story').textContent();
  assert(story.includes(chosen) && story.includes('a birthday'), `the story names the module: ${story}`);
  const off = (await p2.locator('ul.modules li').first().textContent()).replace('Take off', '').trim();
  await p2.locator('ul.modules li').first().getByRole('button', { name: /^Take off/ }).click();
  await p2.locator('ol.story li[data-kind=module_removed]').waitFor();
  assert((await p2.locator('ol.story li[data-kind=module_removed]').textContent()).includes(off), `taken off: ${off}`);
  assert((await p2.locator('#alter-err').textContent()) === '', 'no refusal');
  await p2.screenshot({ path: `${shots}/piece-workshop.png`, fullPage: true });
  await staff.close();
  // The buyer finds it in her account and opens its page.
  const partial = [];
  page.on('response', (r) => { if (r.url().includes('/vault/') && r.status() === 206) partial.push(r.headers()['content-range']); });
  await page.goto(`${url}/account`);
  await page.getByLabel('Email').fill(shopperEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: new RegExp(serial) }).click();
  await page.locator('[data-serial]').waitFor();
  assert(await page.locator('ol.story li[data-kind=made]').count() === 1, 'the story starts with the making');
  // A video made in the browser (canvas → MediaRecorder → WebM), uploaded through the form.
  const b64 = await page.evaluate(async () => {
    const c = Object.assign(document.createElement('canvas'), { width: 160, height: 120 });
    const g = c.getContext('2d');
    let f = 0;
    const draw = setInterval(() => { g.fillStyle = `hsl(${(f++ * 12) % 360} 70% 50%)`; g.fillRect(0, 0, 160, 120); }, 40);
    const rec = new MediaRecorder(c.captureStream(25), { mimeType: 'video/webm' });
    const parts = [];
    rec.ondataavailable = (e) => parts.push(e.data);
    const done = new Promise((r) => { rec.onstop = r; });
    rec.start(200);
    await new Promise((r) => setTimeout(r, 2500));
    rec.stop();
    await done;
    clearInterval(draw);
    const buf = new Uint8Array(await new Blob(parts).arrayBuffer());
    let s = '';
    for (const b of buf) s += String.fromCharCode(b);
    return btoa(s);
  });
  const dir = mkdtempSync(join(tmpdir(), 'orfevre-vault-'));
  const file = join(dir, 'first-dance.webm');
  writeFileSync(file, Buffer.from(b64, 'base64'));
  await page.locator('form.add-memory input[type=file]').setInputFiles(file);
  await page.getByLabel('Name', { exact: true }).fill('First dance');
  await page.locator('form.add-memory').getByRole('button', { name: 'Upload' }).click();
  const video = page.locator('ul.vault li[data-kind=video] video');
  await video.waitFor();
  // It plays, fetched by ranges (206 Partial Content).
  await video.evaluate((v) => { v.muted = true; return v.play(); });
  await page.waitForFunction(() => document.querySelector('ul.vault video').currentTime > 0.5, null, { timeout: 20000 });
  assert(partial.length > 0, 'the video was fetched with range requests');
  console.log(`     video: ${partial.length} range response(s), first ${partial[0]}`);
  // A voice message recorded with the (fake) microphone.
  await page.getByRole('button', { name: 'Record a voice message' }).click();
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Stop and keep' }).click();
  await page.locator('ul.vault li[data-kind=voice] audio').waitFor();
  // Sharing with a tap and a PIN, and a gift code.
  await page.getByLabel(/Whoever taps/).check();
  await page.getByLabel(/PIN for taps/).fill('2468');
  await page.locator('form.sharing').getByRole('button').click();
  await page.locator('#share-ok', { hasText: 'Saved' }).waitFor();
  await page.getByRole('button', { name: 'Make a gift code' }).click();
  const code = await page.locator('[data-code]').textContent();
  assert(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(code), `a gift code: ${code}`);
  // The owner's page on a phone: no sideways scroll, no serious accessibility problem.
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(w <= 390, `the piece page is ${w}px wide at 390px`);
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `/p/${serial}: axe: ${bad.map((v) => `${v.id} (${v.nodes.length})`).join(', ')}`);
});

await check('back-office-catalog', async (page) => {
  // A broken catalog archive: brand.toml's currency is not ISO 4217.
  const dir = mkdtempSync(join(tmpdir(), 'orfevre-cat-'));
  cpSync(fileURLToPath(new URL('../../catalogs/demo', import.meta.url)), join(dir, 'demo'), { recursive: true });
  const brandPath = join(dir, 'demo', 'brand.toml');
  const brand = readFileSync(brandPath, 'utf8');
  writeFileSync(brandPath, brand.replace('currency = "EUR"', 'currency = "EURO"'));
  const line = brand.split('\n').findIndex((l) => l.includes('currency = "EUR"')) + 1;
  execFileSync('tar', ['-czf', join(dir, 'broken.tar.gz'), '-C', dir, 'demo']);
  await page.goto(`${url}/admin`);
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('form.upload').waitFor();
  await page.getByLabel(/Upload a catalog/).setInputFiles(join(dir, 'broken.tar.gz'));
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  const diag = page.locator('#report ol.diagnostics li.error', { hasText: `brand.toml:${line}:12` });
  await diag.waitFor();
  assert((await diag.textContent()).includes('EURO'), 'the diagnostic names the mistake');
  // A new price for 18k yellow gold: a new version, checked, then published.
  const gold = page.getByLabel('18k yellow gold');
  const old = Number(await gold.inputValue());
  await gold.fill(String(old + 1));
  const version = await page.getByLabel('New version name').inputValue();
  await page.getByRole('button', { name: 'Make a new version' }).click();
  await page.locator('#metal-report [data-stored]', { hasText: version }).waitFor();
  await page.locator('#metal-report').getByRole('button', { name: `Publish ${version}` }).click();
  await page.locator(`tr[data-version="${version}"]`, { hasText: 'published' }).waitFor();
  assert(Number(await page.getByLabel('18k yellow gold').inputValue()) === old + 1, 'the published price');
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert(bad.length === 0, `/admin: axe: ${bad.map((v) => `${v.id} (${v.nodes.length})`).join(', ')}`);
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(w <= 390, `/admin is ${w}px wide at 390px`);
});

await check('keyboard-only', async (page) => {
  await page.goto(`${url}/b/moments-bracelet`);
  await page.locator('output[data-testid=total]').waitFor();
  const focusedClass = () => page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el?.getAttribute('class') ?? el?.tagName;
  });
  let found = false;
  for (let i = 0; i < 80 && !found; i++) { await page.keyboard.press('Tab'); found = (await focusedClass()) === 'cand'; }
  assert(found, 'a candidate is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.locator('g.item').first().waitFor();
  await page.locator('button.cand').nth(2).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('orfevre-configurator').shadowRoot.querySelectorAll('g.item').length === 2);
  const first = await page.locator('.placed li').first().textContent();
  await page.locator('g.item').first().focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((f) => document.querySelector('orfevre-configurator').shadowRoot.querySelector('.placed li').textContent !== f, first);
  await page.locator('g.item').first().focus();
  await page.keyboard.press('Delete');
  await page.waitForFunction(() => document.querySelector('orfevre-configurator').shadowRoot.querySelectorAll('g.item').length === 1);
});

await check('mobile-no-horizontal-scroll-and-axe', async (page) => {
  for (const path of ['/', '/b/moments-bracelet', '/b/name-bracelet', '/b/solitaire-ring']) {
    await page.goto(url + path);
    await settled(page);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(w <= 390, `${path}: page is ${w}px wide at 390px`);
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert(bad.length === 0, `${path}: axe: ${bad.map((v) => `${v.id} (${v.nodes.length})`).join(', ')}`);
  }
});

await check('embedded-component', async (page) => {
  await page.goto(`${url}/embed-demo.html`);
  await page.locator('orfevre-configurator output[data-testid=total]').waitFor();
  assert((await page.locator('body > header').textContent()).includes('not Orfèvre'), 'host page');
  // A host page can fix the component's language.
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend',
    '<orfevre-configurator id="fr" base="locket" lang="fr"></orfevre-configurator>'));
  await page.locator('#fr').getByRole('button', { name: 'Ajouter au panier' }).waitFor();
});

await check('viewer-3d', async (page) => {
  const t0 = Date.now();
  await page.goto(`${url}/b/solitaire-ring`);
  const viewer = page.locator('orfevre-configurator figure.viewer[data-ready]');
  await viewer.waitFor({ timeout: 90000 });
  console.log(`     viewer: GLB in after ${await viewer.getAttribute('data-model-ms')} ms, first frame ${await viewer.getAttribute('data-first-frame-ms')} ms after the viewer started, ${Date.now() - t0} ms after navigation (SwiftShader)`);
  await page.waitForTimeout(500);
  const covered = await page.evaluate(() => document.querySelector('orfevre-configurator').viewer.coverage());
  assert(covered > 0.05, `the ring covers ${covered} of the canvas`);
  await viewer.screenshot({ path: `${shots}/viewer-3d-ring.png` });
  // The worn view adds the finger.
  const before = await page.evaluate(() => document.querySelector('orfevre-configurator').viewer.coverage());
  await page.locator('orfevre-configurator [data-turntable]').uncheck();
  await page.locator('orfevre-configurator [data-worn]').check();
  await page.waitForTimeout(500);
  const worn = await page.evaluate(() => document.querySelector('orfevre-configurator').viewer.coverage());
  assert(worn > before, `the finger adds pixels (${worn} > ${before})`);
  await viewer.screenshot({ path: `${shots}/viewer-3d-worn.png` });
  // An engraving shows inside the band, as the workshop will lay it out.
  await page.locator('orfevre-configurator [data-worn]').uncheck();
  await page.locator('orfevre-configurator input[data-field=engraving]').fill('Pour toujours');
  await page.locator('orfevre-configurator input[data-field=engraving]').press('Tab');
  await page.waitForFunction(() => document.querySelector('orfevre-configurator').viewer.engraved, null, { timeout: 20000 });
  await page.evaluate(() => {
    const v = document.querySelector('orfevre-configurator').viewer;
    v.camera.position.set(0, 0.004, 0.03); v.controls.target.set(0, -0.006, 0); v.controls.update();
  });
  await page.waitForTimeout(500);
  await viewer.screenshot({ path: `${shots}/viewer-3d-engraved.png` });
  assert(await viewer.getAttribute('data-gems') === 'simple', 'software WebGL draws stones with glTF transmission');
});

await check('viewer-3d-signet', async (page) => {
  // A signet's table is built in 3D and its engraving lies on the table's face.
  await page.goto(`${url}/b/signet-ring`);
  const viewer = page.locator('orfevre-configurator figure.viewer[data-ready]');
  await viewer.waitFor({ timeout: 90000 });
  await page.locator('orfevre-configurator [data-turntable]').uncheck();
  await page.locator('orfevre-configurator input[data-field=engraving]').fill('ACM');
  await page.locator('orfevre-configurator input[data-field=engraving]').press('Tab');
  await page.waitForFunction(() => document.querySelector('orfevre-configurator').viewer.engraved, null, { timeout: 20000 });
  await page.evaluate(() => {
    const v = document.querySelector('orfevre-configurator').viewer;
    v.camera.position.set(0.004, 0.045, 0.02); v.controls.target.set(0, 0.01, 0); v.controls.update();
  });
  await page.waitForTimeout(500);
  const covered = await page.evaluate(() => document.querySelector('orfevre-configurator').viewer.coverage());
  assert(covered > 0.1, `the signet covers ${covered} of the canvas`);
  await viewer.screenshot({ path: `${shots}/viewer-3d-signet.png` });
});

await check('viewer-3d-traced-stones', async (page) => {
  // The traced refraction shader compiles and draws, even in software.
  await page.goto(`${url}/`);
  await page.evaluate(() => localStorage.setItem('orfevre-gems', 'traced'));
  await page.goto(`${url}/b/solitaire-ring`);
  const viewer = page.locator('orfevre-configurator figure.viewer[data-ready]');
  await viewer.waitFor({ timeout: 90000 });
  assert(await viewer.getAttribute('data-gems') === 'traced', 'traced stones asked for');
  console.log(`     viewer (traced stones): GLB in after ${await viewer.getAttribute('data-model-ms')} ms, first frame ${await viewer.getAttribute('data-first-frame-ms')} ms`);
  const covered = await page.evaluate(() => document.querySelector('orfevre-configurator').viewer.coverage());
  assert(covered > 0.05, `the ring covers ${covered} of the canvas`);
  await viewer.screenshot({ path: `${shots}/viewer-3d-traced.png` });
});

await browser.close();
if (failures.length) { console.log(`${failures.length} failed: ${failures.join(', ')}`); process.exit(1); }
console.log('all browser checks passed');
