// The 3D viewer of the configurator: the design's GLB (from POST /api/v1/designs/model) lit by a
// generated studio environment (three's RoomEnvironment: nothing downloaded at run time), metal as
// glTF PBR, stones with traced multi-bounce refraction, orbit and a 360° turntable, a worn view on
// a finger, and a plain fallback where WebGL is missing. Loaded on demand: rings only.
import { html, render } from 'lit';
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { RoomEnvironment } from 'three/examples/jsm/environments/RoomEnvironment.js';
import { refractionMaterial } from './refraction';

export interface ViewerText { turntable: string; worn: string; unavailable: string; label: string }

export class Viewer {
  readonly el: HTMLElement;
  /** Milliseconds from the viewer's creation to its first frame with a model (a benchmark). */
  firstFrameMs?: number;
  private renderer?: THREE.WebGLRenderer;
  private scene = new THREE.Scene();
  private camera = new THREE.PerspectiveCamera(30, 1, 0.001, 10);
  private controls?: OrbitControls;
  private model?: THREE.Object3D;
  private finger?: THREE.Object3D;
  private envCube?: THREE.CubeTexture;
  private started = performance.now();
  private innerRadius = 0.0087;
  private framed = false;
  private traced = true;
  private decal?: THREE.Mesh;
  private engraving?: { svg: string; width: number; height: number; table?: number };

  constructor(text: ViewerText) {
    this.el = document.createElement('figure');
    this.el.className = 'viewer';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', text.label);
    canvas.width = 640;
    canvas.height = 480;
    // Weak devices: no antialiasing, one pixel per CSS pixel, fewer refraction bounces.
    const nav = navigator as Navigator & { deviceMemory?: number };
    const weak = (nav.hardwareConcurrency ?? 4) <= 2 || (nav.deviceMemory ?? 4) <= 2;
    try {
      this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !weak, preserveDrawingBuffer: true, alpha: false });
    } catch {
      render(html`<p class="viewer-fallback" role="status">${text.unavailable}</p>`, this.el);
      return;
    }
    const r = this.renderer;
    // A software renderer (SwiftShader, llvmpipe) or a weak device draws stones with glTF's own
    // transmission material instead of tracing them: the first frame comes seconds sooner. A
    // page may ask for either (`localStorage['orfevre-gems'] = 'traced' | 'simple'`).
    const gl = r.getContext();
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    const software = /swiftshader|llvmpipe|software/i.test(name);
    const asked = localStorage.getItem('orfevre-gems');
    this.traced = asked ? asked === 'traced' : !(weak || software);
    this.el.dataset.gems = this.traced ? 'traced' : 'simple';
    r.setPixelRatio(weak ? 1 : Math.min(window.devicePixelRatio, 2));
    r.toneMapping = THREE.ACESFilmicToneMapping;
    r.outputColorSpace = THREE.SRGBColorSpace;
    this.scene.background = new THREE.Color(0xf4f1ec);
    const room = new RoomEnvironment();
    const pmrem = new THREE.PMREMGenerator(r);
    this.scene.environment = pmrem.fromScene(room, 0.04).texture;
    // The stones read the same room through a cube map.
    const cubeTarget = new THREE.WebGLCubeRenderTarget(256, { type: THREE.HalfFloatType });
    new THREE.CubeCamera(0.05, 50, cubeTarget).update(r, room);
    this.envCube = cubeTarget.texture;
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.autoRotate = !matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.controls.autoRotateSpeed = 2.0;
    const bar = document.createElement('div');
    bar.className = 'viewer-bar';
    const turn = (e: Event) => { this.controls!.autoRotate = (e.target as HTMLInputElement).checked; };
    const worn = (e: Event) => this.worn((e.target as HTMLInputElement).checked);
    render(html`<label><input type="checkbox" data-turntable ?checked=${this.controls.autoRotate} @change=${turn}> ${text.turntable}</label>
      <label><input type="checkbox" data-worn @change=${worn}> ${text.worn}</label>`, bar);
    this.el.append(canvas, bar);
    r.setAnimationLoop(() => this.frame());
  }

  get available() { return !!this.renderer; }
  /** Whether an engraving decal is on the model. */
  get engraved() { return !!this.decal; }

  /** Shows a GLB; `innerRadiusMm` sizes the finger of the worn view. */
  async show(glb: ArrayBuffer, innerRadiusMm: number) {
    if (!this.renderer) return;
    if (!this.el.dataset.modelMs) this.el.dataset.modelMs = (performance.now() - this.started).toFixed(0);
    const gltf = await new GLTFLoader().parseAsync(glb, '');
    const root = gltf.scene;
    root.traverse((o) => {
      const mesh = o as THREE.Mesh;
      if (!mesh.isMesh) return;
      const m = mesh.material as THREE.MeshPhysicalMaterial;
      if (m.transmission > 0 && this.envCube && this.traced) {
        // Δn = (n − 1)·d/20 for glTF's dispersion d (20 / Abbe number), spread over R, G, B.
        const spread = ((m.ior - 1) * (m.dispersion ?? 0)) / 20 / m.ior / 2;
        const tint = m.attenuationDistance < 100 ? m.attenuationColor.clone() : new THREE.Color(1, 1, 1);
        mesh.material = refractionMaterial(mesh, this.envCube, m.ior, spread, tint);
      }
    });
    if (this.model) this.scene.remove(this.model);
    this.model = root;
    this.scene.add(root);
    this.innerRadius = innerRadiusMm / 1000;
    if (this.finger) this.worn(true);
    if (this.engraving) void this.engrave(this.engraving.svg, this.engraving.width, this.engraving.height, this.engraving.table);
    if (!this.framed) {
      const box = new THREE.Box3().setFromObject(root);
      const size = box.getSize(new THREE.Vector3()).length();
      const centre = box.getCenter(new THREE.Vector3());
      this.camera.position.copy(centre).add(new THREE.Vector3(0.35, 0.45, 1).normalize().multiplyScalar(size * 1.9));
      this.controls!.target.copy(centre);
      this.framed = true;
    }
  }

  /**
   * The engraving inside the band, as a decal: the server's production layout (SVG, mm) drawn on
   * a strip just inside the inner surface, centred under the finger, read from inside. A laser
   * mark is a few hundredths of a millimetre deep, so geometry would add triangles and nothing a
   * shopper could see; see ARCHITECTURE.md.
   */
  async engrave(svg: string | null, widthMm: number, heightMm: number, tableMm?: number) {
    if (this.decal) {
      this.model?.remove(this.decal);
      this.decal.geometry.dispose();
      this.decal = undefined;
    }
    this.engraving = svg ? { svg, width: widthMm, height: heightMm, table: tableMm } : undefined;
    if (!svg || !this.model || !this.renderer) return;
    const px = 1024;
    const canvas = document.createElement('canvas');
    canvas.width = px;
    canvas.height = Math.max(8, Math.round((px * heightMm) / widthMm));
    const img = new Image();
    // The preview's dashed zone outline is for the shopper's eye, not the metal.
    const marks = svg.replace(/<rect[^>]*stroke-dasharray[^>]*\/>/, '').replace(/currentColor/g, '#3b3226');
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(marks)}`;
    await img.decode();
    canvas.getContext('2d')!.drawImage(img, 0, 0, canvas.width, canvas.height);
    const map = new THREE.CanvasTexture(canvas);
    map.colorSpace = THREE.SRGBColorSpace;
    map.anisotropy = 4;
    // Read from the front of the ring (+Z), looking in.
    map.flipY = false;
    let g: THREE.BufferGeometry;
    let side: THREE.Side = THREE.BackSide;
    if (tableMm !== undefined) {
      // A signet's table: flat on its face, a hair above it, read from above with the text
      // across the finger.
      const band = this.model.getObjectByName('metal');
      const top = band ? new THREE.Box3().setFromObject(band).max.y * 1000 : this.innerRadius * 1000 + tableMm;
      g = new THREE.PlaneGeometry(widthMm, heightMm);
      g.rotateX(-Math.PI / 2);
      g.translate(0, top + 0.01, 0);
      side = THREE.FrontSide;
      map.flipY = true;
    } else {
      const r = this.innerRadius * 1000 - 0.01;
      const arc = widthMm / r;
      // In the model's frame (mm; the ring's root scales to metres): axis Z, head at +Y, so the
      // strip is centred at −Y.
      g = new THREE.CylinderGeometry(r, r, heightMm, 96, 1, true, -arc / 2, arc);
      g.rotateX(Math.PI / 2);
    }
    const m = new THREE.MeshStandardMaterial({ map, transparent: true, side, roughness: 0.8, metalness: 0.2, depthWrite: false });
    this.decal = new THREE.Mesh(g, m);
    this.decal.scale.setScalar(0.001);
    this.model.add(this.decal);
  }

  /**
   * The worn view: a stylised hand at the ring's scale, the ring on its ring finger (the finger's
   * axis is the ring's, Z), the palm behind the ring, the other fingers beside it. Primitives,
   * not a scanned hand: it shows size and proportion, not skin.
   */
  private worn(on: boolean) {
    const wasOn = !!this.finger;
    if (this.finger) {
      this.scene.remove(this.finger);
      this.finger = undefined;
    }
    // Step back to show the hand, and in again without it.
    if (on !== wasOn && this.controls) {
      const k = on ? 2.4 : 1 / 2.4;
      this.camera.position.sub(this.controls.target).multiplyScalar(k).add(this.controls.target);
    }
    if (!on) return;
    const r = this.innerRadius * 0.995;
    const skin = new THREE.MeshStandardMaterial({ color: 0xe0ac8e, roughness: 0.6 });
    const hand = new THREE.Group();
    const finger = (x: number, radius: number, length: number, tilt = 0) => {
      const g = new THREE.CapsuleGeometry(radius, length, 8, 32);
      g.rotateX(Math.PI / 2);
      const m = new THREE.Mesh(g, skin);
      // From the knuckle (z = −2.5 r, at the palm) out to its tip.
      m.position.set(x, 0, -2.5 * r + length / 2 + radius);
      m.rotation.y = tilt;
      hand.add(m);
    };
    const gap = 2.2 * r;
    finger(0, r, 7 * r); // ring finger
    finger(gap, r * 1.05, 7.8 * r); // middle
    finger(2 * gap, r, 7 * r); // index
    finger(-gap * 0.95, r * 0.85, 5.5 * r); // little
    const palm = new THREE.Mesh(new THREE.BoxGeometry(4.3 * gap, 2.1 * r, 9 * r), skin);
    palm.position.set(gap * 0.5, 0, -2.5 * r - 4.5 * r);
    hand.add(palm);
    const thumb = new THREE.Mesh(new THREE.CapsuleGeometry(r * 1.15, 5 * r, 8, 32), skin);
    thumb.geometry.rotateX(Math.PI / 2);
    thumb.position.set(2.9 * gap, 0, -6 * r);
    thumb.rotation.y = 0.6;
    hand.add(thumb);
    this.finger = hand;
    this.scene.add(hand);
  }

  private frame() {
    const r = this.renderer!;
    const canvas = r.domElement;
    const w = canvas.clientWidth || 640;
    const h = canvas.clientHeight || 480;
    if (canvas.width !== Math.floor(w * r.getPixelRatio()) || canvas.height !== Math.floor(h * r.getPixelRatio())) {
      r.setSize(w, h, false);
      this.camera.aspect = w / h;
      this.camera.updateProjectionMatrix();
    }
    this.controls!.update();
    r.render(this.scene, this.camera);
    if (this.model && this.firstFrameMs === undefined) {
      this.firstFrameMs = performance.now() - this.started;
      this.el.dataset.firstFrameMs = this.firstFrameMs.toFixed(0);
      this.el.dataset.ready = '';
    }
  }

  /** The share of pixels that differ from the background (for tests: is anything drawn?). */
  coverage(): number {
    if (!this.renderer) return 0;
    const c = this.renderer.domElement;
    const probe = document.createElement('canvas');
    probe.width = 160;
    probe.height = 120;
    const ctx = probe.getContext('2d')!;
    ctx.drawImage(c, 0, 0, probe.width, probe.height);
    const px = ctx.getImageData(0, 0, probe.width, probe.height).data;
    const bg = [px[0], px[1], px[2]];
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]) > 30) n++;
    }
    return n / (px.length / 4);
  }
}
