/** The flow API's error classes, by the names user code sees (`err.name`, `instanceof`). */
export {
  DependencyFailedError,
  FlowApiError,
  InvalidArgumentError,
  LimitExceededError,
  NondeterminismError,
  ResourceNotFoundError,
  TimeoutExceededError,
} from './runner-api';
