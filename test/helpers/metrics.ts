export { metricValue, metricSum } from '../../testing/metrics.js';
