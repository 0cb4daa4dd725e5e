/** Flow names cannot contain '%', so decoding twice is harmless; a broken escape is just an unknown name. */
export function flowNameFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
