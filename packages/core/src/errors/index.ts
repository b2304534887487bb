export { ERROR_CODES, type ErrorCode, type ErrorSpec, type GrpcCode } from './codes.ts';
export { AppError, isAppError, toErrorBody, type ErrorBody } from './app-error.ts';
