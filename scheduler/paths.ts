/** Folders that ship with plumbline itself (not the user's working folder). */
import { fileURLToPath } from 'node:url';

/** The installed plumbline package's root folder. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The product's own SQL models. */
export const PACKAGE_MODELS_DIR = fileURLToPath(new URL('../models', import.meta.url));
