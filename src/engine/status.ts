/** HTTP status classes the Fetch Standard names. */

/** A redirect status (Fetch): 301, 302, 303, 307 or 308. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** An ok status (Fetch): 200 to 299. */
export function isOkStatus(status: number): boolean {
  return status >= 200 && status <= 299;
}
