"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.helmValuesChart = helmValuesChart;
exports.withSettingHelmValues = withSettingHelmValues;
const node_path_1 = require("node:path");
const picomatch_1 = __importDefault(require("picomatch"));
const kinds_1 = require("../resources/kinds");
const installSources_1 = require("../resources/installSources");
const resource_1 = require("../resources/resource");
const matchers = new WeakMap();
function settingMatchers(settings) {
    let compiled = matchers.get(settings);
    if (!compiled) {
        compiled = settings
            .filter((s) => typeof s.chart === 'string' && Array.isArray(s.paths) && s.paths.length > 0)
            .map((s) => ({ chart: s.chart, matches: (0, picomatch_1.default)(s.paths, { dot: true }) }));
        matchers.set(settings, compiled);
    }
    return compiled;
}
/** The chart the setting names for a file, if any. */
function settingChart(file, roots, settings) {
    const relativePaths = roots.map((root) => (0, node_path_1.relative)(root, file).split(node_path_1.sep).join('/')).filter((p) => !p.startsWith('..'));
    return settingMatchers(settings).find((m) => relativePaths.some((p) => m.matches(p)))?.chart;
}
/**
 * Which chart a Helm values file is for, in the documented order: the `# istio-mesh: chart=` directive, the
 * `istioMesh.helmValues` setting, then its content. The value points at the whole document (a directive
 * is a comment, and content is many keys).
 */
function helmValuesChart(resource, roots, settings) {
    if (resource.kind !== installSources_1.HELM_VALUES_KIND)
        return undefined;
    const chart = (0, kinds_1.chartDirective)(resource.doc) ?? settingChart(resource.file, roots, settings) ?? (0, installSources_1.guessChartFromValues)(resource.object);
    return chart ? new resource_1.Located(chart, resource.doc, []) : undefined;
}
/**
 * The files with the values documents the setting names added as resources: a values file with neither a
 * directive nor telling content is recognised only once the setting says what it is.
 */
function withSettingHelmValues(files, roots, settings) {
    if (settingMatchers(settings).length === 0)
        return files;
    return files.map((file) => {
        if (!settingChart(file.path, roots, settings))
            return file;
        const known = new Set(file.resources.map((r) => r.doc));
        const extra = file.yaml.documents.flatMap((doc) => {
            if (known.has(doc))
                return [];
            const resource = (0, kinds_1.recogniseHelmValues)(doc, true);
            return resource ? [resource] : [];
        });
        return extra.length ? { ...file, resources: [...file.resources, ...extra] } : file;
    });
}
//# sourceMappingURL=helmValues.js.map