// Codec order for an offer: our configured order, with the codec the other leg uses moved to the front, so both legs
// can settle on it and the relay forwards instead of transcoding.

/** A copy of `names` with `preferred` first; the rest keep their order (the sort is stable). */
export function preferFirst<Name extends string>(
  names: readonly Name[],
  preferred: Name | undefined,
): Name[] {
  return [...names].sort((a, b) => Number(b === preferred) - Number(a === preferred));
}
