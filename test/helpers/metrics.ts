export { metricValue, metricSum } from '../../core/testing/metrics.js';
