// A cut stone's refraction, traced in the fragment shader: the view ray enters the stone,
// bounces inside it against its own facets (three-mesh-bvh's packed BVH and GLSL traversal)
// until it leaves, and reads the environment in the exit direction, each colour channel with its
// own index of refraction for fire. Hand-written because @pmndrs/vanilla (1.25) has no
// MeshRefractionMaterial (drei's is React-only); see ARCHITECTURE.md.
import * as THREE from 'three';
import { BVHShaderGLSL, MeshBVH, MeshBVHUniformStruct, SAH } from 'three-mesh-bvh';

const vertex = /* glsl */ `
  varying vec3 vWorldPos;
  varying vec3 vWorldNormal;
  void main() {
    vec4 wp = modelMatrix * vec4(position, 1.0);
    vWorldPos = wp.xyz;
    vWorldNormal = normalize(mat3(modelMatrix) * normal);
    gl_Position = projectionMatrix * viewMatrix * wp;
  }`;

const fragment = /* glsl */ `
  precision highp isampler2D;
  precision highp usampler2D;
  #define BOUNCES 4
  ${BVHShaderGLSL.common_functions}
  ${BVHShaderGLSL.bvh_struct_definitions}
  ${BVHShaderGLSL.bvh_ray_functions}
  uniform BVH bvh;
  uniform samplerCube envMap;
  uniform mat4 objectToWorld;
  uniform mat4 worldToObject;
  uniform float ior;
  uniform float dispersion;
  uniform vec3 tint;
  varying vec3 vWorldPos;
  varying vec3 vWorldNormal;

  // The direction a ray leaves the stone, traced from its entry at p (object space).
  vec3 trace(vec3 p, vec3 d, float n) {
    for (int i = 0; i < BOUNCES; i++) {
      uvec4 faceIndices; vec3 faceNormal; vec3 bary; float side; float dist;
      if (!bvhIntersectFirstHit(bvh, p + d * 1e-3, d, faceIndices, faceNormal, bary, side, dist)) return d;
      p = p + d * (dist + 1e-3);
      vec3 nn = normalize(faceNormal);
      if (dot(d, nn) < 0.0) nn = -nn;
      vec3 out_ = refract(d, -nn, n);
      if (dot(out_, out_) > 0.0) return out_;
      d = reflect(d, -nn);
    }
    return d;
  }

  void main() {
    vec3 v = normalize(vWorldPos - cameraPosition);
    vec3 n = normalize(vWorldNormal);
    if (dot(v, n) > 0.0) n = -n;
    float f0 = pow((ior - 1.0) / (ior + 1.0), 2.0);
    float fresnel = f0 + (1.0 - f0) * pow(1.0 - max(dot(-v, n), 0.0), 5.0);
    vec3 reflected = textureCube(envMap, reflect(v, n)).rgb;
    vec3 p = (worldToObject * vec4(vWorldPos, 1.0)).xyz;
    vec3 colour;
    for (int c = 0; c < 3; c++) {
      float k = ior * (1.0 + dispersion * (float(c) - 1.0));
      vec3 d = normalize((worldToObject * vec4(refract(v, n, 1.0 / k), 0.0)).xyz);
      vec3 exitDir = normalize((objectToWorld * vec4(trace(p, d, k), 0.0)).xyz);
      colour[c] = textureCube(envMap, exitDir)[c];
    }
    gl_FragColor = vec4(mix(colour * tint, reflected, fresnel), 1.0);
    #include <tonemapping_fragment>
    #include <colorspace_fragment>
  }`;

/** A refraction material for `mesh`'s geometry (kept in step with its world matrix each frame). */
export function refractionMaterial(mesh: THREE.Mesh, envMap: THREE.CubeTexture, ior: number, dispersion: number, tint: THREE.Color) {
  // The BVH in the geometry's own units: quantised positions read as plain numbers.
  const g = mesh.geometry.clone();
  const src = g.getAttribute('position');
  const pos = new Float32Array(src.count * 3);
  for (let i = 0; i < src.count; i++) { pos[3 * i] = src.getX(i); pos[3 * i + 1] = src.getY(i); pos[3 * i + 2] = src.getZ(i); }
  g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
  const bvh = new MeshBVHUniformStruct();
  bvh.updateFrom(new MeshBVH(g, { strategy: SAH, targetLeafSize: 1 }));
  const material = new THREE.ShaderMaterial({
    uniforms: {
      bvh: { value: bvh },
      envMap: { value: envMap },
      objectToWorld: { value: new THREE.Matrix4() },
      worldToObject: { value: new THREE.Matrix4() },
      ior: { value: ior },
      dispersion: { value: dispersion },
      tint: { value: tint },
    },
    vertexShader: vertex,
    fragmentShader: fragment,
  });
  mesh.onBeforeRender = () => {
    material.uniforms.objectToWorld.value.copy(mesh.matrixWorld);
    material.uniforms.worldToObject.value.copy(mesh.matrixWorld).invert();
  };
  return material;
}
