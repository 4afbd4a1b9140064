/** The native backend's class: tfjs's cpu backend (same tensor storage), with native kernels registered over its hot kernels. */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export class NativeBackend extends MathBackendCPU {}
