/** What the extension-host tests report, shared by the runner inside the host and the test that reads it. */
export interface HostTestResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** Where the harness writes the results (JSON), named by the environment of the extension host. */
export const RESULTS_ENV = 'KERNEL_LENS_HOST_RESULTS';
