// Independent check of GLB files with the Khronos glTF validator (npm `gltf-validator`).
// Usage: node gltf_check.cjs WEB_DIR FILE.glb...   (WEB_DIR holds node_modules/gltf-validator)
// Prints one JSON object per file: its error, warning and info counts and the messages.
const path = require('path');
const fs = require('fs');
const validator = require(path.join(process.argv[2], 'node_modules', 'gltf-validator'));

(async () => {
  for (const file of process.argv.slice(3)) {
    const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(file)), {
      maxIssues: 100,
      writeTimestamp: false,
    });
    const i = report.issues;
    console.log(JSON.stringify({
      file,
      errors: i.numErrors,
      warnings: i.numWarnings,
      infos: i.numInfos,
      messages: i.messages.map((m) => `${m.severity}:${m.code}:${m.pointer || ''}:${m.message}`),
      extensions: report.info && report.info.extensionsUsed,
    }));
  }
})().catch((e) => { console.error(e); process.exit(2); });
