// Meetings created through `POST /meetings`: apps use `meeting._id` as the conference room id.
import { randomBytes } from 'node:crypto';

export type Meeting = Readonly<Record<string, unknown>> & { readonly _id: string; readonly host_id: number };

export class MeetingStore {
  readonly #byId = new Map<string, Meeting>();

  create(hostId: number, params: Readonly<Record<string, unknown>>): Meeting {
    const now = Math.floor(Date.now() / 1000);
    const meeting: Meeting = {
      name: 'Meeting',
      start_date: now,
      end_date: now + 3600,
      attendees: [],
      record: false,
      chat: false,
      ...params,
      _id: randomBytes(12).toString('hex'),
      host_id: hostId,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    this.#byId.set(meeting._id, meeting);
    return meeting;
  }

  get all(): readonly Meeting[] {
    return [...this.#byId.values()];
  }
}
