'use strict';
/**
 * Module boundaries, enforced on Nx's project graph (the dependencies Nx finds in package.json
 * files and in every import, relative paths included): a service depends on libraries only, never
 * on another service; a library on libraries only. Every project carries one `type:` tag, so a
 * new project cannot slip past the table. (@nx/eslint-plugin's enforce-module-boundaries would
 * do this inside ESLint, but no release of it matches our Nx 24 on the registry.)
 */

/** Which project types a project of each type may depend on. */
const ALLOWED = {
  'type:service': ['type:lib'],
  'type:lib': ['type:lib'],
  'type:tool': ['type:lib'],
  'type:e2e': ['type:lib', 'type:service', 'type:tool', 'type:web'],
  // Static browser apps (the live map): built, then served as files; they import no project.
  'type:web': [],
  'type:deploy': ['type:lib', 'type:service'],
};

function typeOf(node) {
  const types = (node.data.tags ?? []).filter((t) => t.startsWith('type:'));
  return types.length === 1 ? types[0] : undefined;
}

/**
 * The violations of a project graph (`nx graph --file=...`'s `graph`: nodes by name with
 * `data.tags`, dependencies by name with `target`), as sentences naming both projects.
 */
function violations(graph, allowed = ALLOWED) {
  const out = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const type = typeOf(node);
    if (!type || !(type in allowed)) {
      out.push(`${name}: needs exactly one tag of ${Object.keys(allowed).join(', ')} (has ${JSON.stringify(node.data.tags ?? [])})`);
      continue;
    }
    for (const dep of graph.dependencies[name] ?? []) {
      const target = graph.nodes[dep.target];
      if (!target) continue; // an npm package
      const targetType = typeOf(target);
      if (!allowed[type].includes(targetType)) {
        out.push(`${name} (${type}) depends on ${dep.target} (${targetType ?? 'untagged'}); a ${type} may depend on ${allowed[type].join(', ')} only`);
      }
    }
  }
  return out;
}

module.exports = { ALLOWED, violations };
