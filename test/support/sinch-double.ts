/**
 * The tests' Sinch: the product's built-in stand-in (`local/sinch/sinch-stand-in.ts`), under the
 * names the suites were written with. One server answers like Sinch for `npm start` and the tests.
 */
export {
  answers,
  type ExtraRoute,
  type RecordedRequest,
  type SinchAnswer,
  type SinchStandIn as SinchDouble,
  type SinchStandInOptions as SinchDoubleOptions,
  startSinchStandIn as startSinchDouble,
} from '../../local/sinch/sinch-stand-in';
