// English and French; currency and numbers formatted by locale.

const en = {
  shop: 'Shop', account: 'My account', backoffice: 'Back office', from: 'from', customise: 'Personalise',
  size: 'Size', wristHelper: 'Wrist (cm)', wristHint: 'Bracelet length = wrist + 1.5–2 cm of ease',
  suggested: 'Suggested size', section: 'Section', station: 'Clip', add: 'Add', remove: 'Remove',
  moveLeft: 'Move left', moveRight: 'Move right', notAvailable: 'Not available', fix: 'Fix',
  price: 'Price', total: 'Total', weight: 'Weight', leadTime: 'Made in', days: 'days',
  undo: 'Undo', redo: 'Redo', save: 'Save & share', saved: 'Saved — share this link:', copy: 'Copy',
  addToCart: 'Add to cart', quoteReady: 'In your cart at', placeOrder: 'Place order (demo — no payment)',
  ordered: 'Order placed', signIn: 'Sign in', register: 'Create account', email: 'Email', password: 'Password',
  signOut: 'Sign out', myDesigns: 'My designs', myOrders: 'My orders', problems: 'To fix before ordering',
  valid: 'Ready to make', spellLabel: 'Type a name', spell: 'Spell it', engraving: 'Engraving',
  preview: 'Preview of your piece', placed: 'On your piece', empty: 'Nothing yet — add a charm below',
  candidates: 'Choose', orders: 'Orders', status: 'Status', demo: 'Demo shop: orders wait for payment; staff move them on.',
  language: 'Language', currency: 'Currency', choose: 'Choose', loading: 'Loading…', useFallback: 'Use',
  outOfStock: 'out of stock', missing: 'no bead for this letter', lettersToResolve: 'Letters to resolve',
  catalog: 'Catalog', versions: 'Versions', version: 'Version', publish: 'Publish', published: 'published',
  uploadCatalog: 'Upload a catalog (.tar or .tar.gz of its folder)', upload: 'Upload', diagnostics: 'Checker report',
  noProblems: 'No problems found', stored: 'Stored as version', metalPrices: 'Metal prices per gram',
  newVersion: 'New version name', makeVersion: 'Make a new version', download: 'Download sources',
  st_awaiting_payment: 'Awaiting payment', st_placed: 'Paid — to make', st_in_production: 'In production',
  st_shipped: 'Shipped', st_delivered: 'Delivered', st_cancelled: 'Cancelled',
  to_placed: 'Mark paid (demo)', to_in_production: 'Start production', to_shipped: 'Mark shipped',
  to_delivered: 'Mark delivered', to_cancelled: 'Cancel', search: 'Search', availableOnly: 'Available only',
  turntable: 'Turn', worn: 'On a hand', viewerUnavailable: '3D preview unavailable on this device — the price and details below are exact.',
  viewer3d: '3D view of your ring: drag to turn it',
};
type Key = keyof typeof en;
const fr: Record<Key, string> = {
  shop: 'Boutique', account: 'Mon compte', backoffice: 'Back-office', from: 'à partir de', customise: 'Personnaliser',
  size: 'Taille', wristHelper: 'Poignet (cm)', wristHint: 'Longueur du bracelet = poignet + 1,5 à 2 cm d’aisance',
  suggested: 'Taille conseillée', section: 'Section', station: 'Clip', add: 'Ajouter', remove: 'Retirer',
  moveLeft: 'Déplacer à gauche', moveRight: 'Déplacer à droite', notAvailable: 'Indisponible', fix: 'Corriger',
  price: 'Prix', total: 'Total', weight: 'Poids', leadTime: 'Fabriqué en', days: 'jours',
  undo: 'Annuler', redo: 'Rétablir', save: 'Enregistrer et partager', saved: 'Enregistré — partagez ce lien :', copy: 'Copier',
  addToCart: 'Ajouter au panier', quoteReady: 'Dans votre panier à', placeOrder: 'Commander (démo — sans paiement)',
  ordered: 'Commande passée', signIn: 'Se connecter', register: 'Créer un compte', email: 'E-mail', password: 'Mot de passe',
  signOut: 'Se déconnecter', myDesigns: 'Mes créations', myOrders: 'Mes commandes', problems: 'À corriger avant de commander',
  valid: 'Prêt à fabriquer', spellLabel: 'Tapez un prénom', spell: 'Composer', engraving: 'Gravure',
  preview: 'Aperçu de votre bijou', placed: 'Sur votre bijou', empty: 'Rien pour l’instant — ajoutez un charm ci-dessous',
  candidates: 'Choisir', orders: 'Commandes', status: 'Statut', demo: 'Boutique de démo : les commandes attendent le paiement ; l’atelier les fait avancer.',
  language: 'Langue', currency: 'Devise', choose: 'Choisir', loading: 'Chargement…', useFallback: 'Utiliser',
  outOfStock: 'épuisé', missing: 'pas de perle pour cette lettre', lettersToResolve: 'Lettres à résoudre',
  catalog: 'Catalogue', versions: 'Versions', version: 'Version', publish: 'Publier', published: 'publiée',
  uploadCatalog: 'Déposer un catalogue (.tar ou .tar.gz de son dossier)', upload: 'Déposer', diagnostics: 'Rapport du vérificateur',
  noProblems: 'Aucun problème', stored: 'Enregistré comme version', metalPrices: 'Prix des métaux au gramme',
  newVersion: 'Nom de la nouvelle version', makeVersion: 'Créer une nouvelle version', download: 'Télécharger les sources',
  st_awaiting_payment: 'En attente de paiement', st_placed: 'Payée — à fabriquer', st_in_production: 'En fabrication',
  st_shipped: 'Expédiée', st_delivered: 'Livrée', st_cancelled: 'Annulée',
  to_placed: 'Marquer payée (démo)', to_in_production: 'Lancer la fabrication', to_shipped: 'Marquer expédiée',
  to_delivered: 'Marquer livrée', to_cancelled: 'Annuler', search: 'Rechercher', availableOnly: 'Disponibles seulement',
  turntable: 'Tourner', worn: 'Portée', viewerUnavailable: 'Aperçu 3D indisponible sur cet appareil — le prix et les détails ci-dessous sont exacts.',
  viewer3d: 'Vue 3D de votre bague : faites-la tourner',
};

let lang: 'en' | 'fr' = (localStorage.getItem('orfevre-lang') as 'en' | 'fr') ||
  (navigator.language?.startsWith('fr') ? 'fr' : 'en');

export function getLang() { return lang; }
/** Sets the language; `persist` keeps it for later visits (a shopper's choice, not a host page's). */
export function setLang(l: 'en' | 'fr', persist = true) {
  lang = l;
  if (persist) { localStorage.setItem('orfevre-lang', l); document.documentElement.lang = l; }
}
export function t(k: Key): string { return (lang === 'fr' ? fr : en)[k]; }
/** A translated order status (`st_…`) or status move (`to_…`); the raw name when unknown. */
export function status(prefix: 'st' | 'to', name: string): string {
  const k = `${prefix}_${name}` as Key;
  return k in en ? t(k) : name;
}
export function money(m: { amount: string; currency: string } | undefined): string {
  if (!m) return '';
  return new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency: m.currency }).format(Number(m.amount));
}
export function grams(g: string): string {
  return `${new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: 2 }).format(Number(g))} g`;
}
