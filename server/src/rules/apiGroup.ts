import { MISSPELT_API_GROUPS } from '../resources/kinds';
import type { Finding } from './finding';
import type { ResourceRule } from './rule';

/** IOP002: `insall.istio.io/v1alpha1` and similar typos from published docs; read as meant, but reported. */
export const misspeltApiGroupRule: ResourceRule = {
  scope: 'resource',
  code: 'IOP002',
  title: 'Misspelt apiVersion group',
  severity: 'warning',
  check(resource): Finding[] {
    const [group, ...rest] = resource.apiVersion.split('/');
    const correct = MISSPELT_API_GROUPS[group];
    if (!correct) return [];
    const meant = [correct, ...rest].join('/');
    return [
      {
        code: 'IOP002',
        severity: 'warning',
        message: `\`${resource.apiVersion}\` is a misspelling of \`${meant}\`: no cluster serves that group, so \`kubectl apply\` rejects the object, and tools that check the apiVersion skip or refuse it. Write \`${meant}\`.`,
        location: resource.location(['apiVersion']),
        fixes: [{ title: `Change apiVersion to ${meant}`, preferred: true, edits: [{ location: resource.location(['apiVersion']), newText: meant }] }],
      },
    ];
  },
};
