import { unknownApiPath } from '@/server/rest/http';

export { unknownApiPath as GET, unknownApiPath as POST, unknownApiPath as PATCH };
export { unknownApiPath as PUT, unknownApiPath as DELETE };
