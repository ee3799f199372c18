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
  spellEmpty: 'Type at least one letter.', spellTooMany: 'This bracelet holds at most {n} beads; this name takes {m}.',
  spellTooFew: 'This bracelet needs at least {n} letters.', spellNeedsSize: 'This name needs size {size} or larger.',
  spellTooLong: 'This name is too long for the largest size.',
  catalog: 'Catalog', versions: 'Versions', version: 'Version', publish: 'Publish', published: 'published',
  uploadCatalog: 'Upload a catalog (.tar or .tar.gz of its folder)', upload: 'Upload', diagnostics: 'Checker report',
  noProblems: 'No problems found', stored: 'Stored as version', metalPrices: 'Metal prices per gram',
  newVersion: 'New version name', makeVersion: 'Make a new version', download: 'Download sources',
  st_awaiting_payment: 'Awaiting payment', st_placed: 'Paid — to make', st_in_production: 'In production',
  st_shipped: 'Shipped', st_delivered: 'Delivered', st_cancelled: 'Cancelled', st_packed: 'Packed', st_on_hold: 'On hold',
  to_packed: 'Mark packed', to_on_hold: 'Put on hold',
  to_placed: 'Mark paid (demo)', to_in_production: 'Start production', to_shipped: 'Mark shipped',
  to_delivered: 'Mark delivered', to_cancelled: 'Cancel', search: 'Search', availableOnly: 'Available only',
  turntable: 'Turn', worn: 'On a hand', viewerUnavailable: '3D preview unavailable on this device — the price and details below are exact.',
  viewer3d: '3D view of your ring: drag to turn it', recordPiece: 'Record made piece',
  job: 'Job', jobBag: 'Job bag (assembly sheet, pick list, files)', jobBagLetter: 'US Letter', noJob: 'No job: this order is not paid, or was cancelled.',
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
  spellEmpty: 'Tapez au moins une lettre.', spellTooMany: 'Ce bracelet tient au plus {n} perles ; ce prénom en demande {m}.',
  spellTooFew: 'Ce bracelet demande au moins {n} lettres.', spellNeedsSize: 'Ce prénom demande la taille {size} ou plus.',
  spellTooLong: 'Ce prénom est trop long pour la plus grande taille.',
  catalog: 'Catalogue', versions: 'Versions', version: 'Version', publish: 'Publier', published: 'publiée',
  uploadCatalog: 'Déposer un catalogue (.tar ou .tar.gz de son dossier)', upload: 'Déposer', diagnostics: 'Rapport du vérificateur',
  noProblems: 'Aucun problème', stored: 'Enregistré comme version', metalPrices: 'Prix des métaux au gramme',
  newVersion: 'Nom de la nouvelle version', makeVersion: 'Créer une nouvelle version', download: 'Télécharger les sources',
  st_awaiting_payment: 'En attente de paiement', st_placed: 'Payée — à fabriquer', st_in_production: 'En fabrication',
  st_shipped: 'Expédiée', st_delivered: 'Livrée', st_cancelled: 'Annulée', st_packed: 'Emballée', st_on_hold: 'En attente',
  to_packed: 'Marquer emballée', to_on_hold: 'Mettre en attente',
  to_placed: 'Marquer payée (démo)', to_in_production: 'Lancer la fabrication', to_shipped: 'Marquer expédiée',
  to_delivered: 'Marquer livrée', to_cancelled: 'Annuler', search: 'Rechercher', availableOnly: 'Disponibles seulement',
  turntable: 'Tourner', worn: 'Portée', viewerUnavailable: 'Aperçu 3D indisponible sur cet appareil — le prix et les détails ci-dessous sont exacts.',
  viewer3d: 'Vue 3D de votre bague : faites-la tourner', recordPiece: 'Enregistrer la pièce fabriquée',
  job: 'Fiche', jobBag: 'Dossier de fabrication (fiche de montage, liste de prélèvement, fichiers)', jobBagLetter: 'Format US Letter',
  noJob: 'Pas de fiche : cette commande n’est pas payée, ou a été annulée.',
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

// The piece page and the memory vault.
const pieceEn = {
  vault: 'Memories', vaultEmpty: 'No memories yet.', addMemory: 'Add a photo, a video or a voice message',
  memoryName: 'Name', recordVoice: 'Record a voice message', stopRecording: 'Stop and keep', voice: 'Voice message',
  pin: 'PIN from the owner', unlock: 'Open the memories', sharing: 'Sharing',
  tapAccess: 'Whoever taps the genuine tag may see the memories (15 minutes)', newPin: 'PIN for taps (4–8 digits, optional)',
  savedSharing: 'Saved', saveSharing: 'Save', gift: 'Give this piece', handOver: 'Hand the memories over', wipe: 'Wipe the memories at the transfer',
  makeCode: 'Make a gift code', giftCode: 'Gift code:', until: 'valid until', export: 'Download all memories (zip)',
  tag: 'NFC tag', lost: 'Report lost', revoked: 'This certificate has been revoked by the brand.',
  serial: 'Serial', made: 'made', qrAlt: 'QR code of this piece', materials: 'Materials', story: 'Its story',
  signedBy: 'Certificate signed by', certificate: 'Certificate (JSON)', print: 'Print the certificate',
  tapReplayed: 'This link was used already: tap the tag again to see the memories.', tapRevoked: 'This tag was reported lost.',
  myPieces: 'My pieces', claimCode: 'A gift code', claim: 'Claim the piece',
  ev_made: 'Made in our workshop', ev_engraved: 'Engraved', ev_module_added: 'Added', ev_module_swapped: 'Swapped in', ev_module_removed: 'Taken off',
  ev_repaired: 'Repaired', ev_resized: 'Resized', ev_transferred: 'Passed on as a gift', ev_certificate_revoked: 'Certificate revoked',
  ev_tag_added: 'NFC tag fitted', ev_tag_revoked: 'NFC tag reported lost',
  workshop: 'Workshop: alter this piece', takeOff: 'Take off', place: 'Where', module: 'Module', note: 'Note (optional)',
  addModule: 'Add or swap in',
};
type PKey = keyof typeof pieceEn;
const pieceFr: Record<PKey, string> = {
  vault: 'Souvenirs', vaultEmpty: 'Pas encore de souvenirs.', addMemory: 'Ajouter une photo, une vidéo ou un message vocal',
  memoryName: 'Nom', recordVoice: 'Enregistrer un message vocal', stopRecording: 'Arrêter et garder', voice: 'Message vocal',
  pin: 'Code PIN du propriétaire', unlock: 'Ouvrir les souvenirs', sharing: 'Partage',
  tapAccess: 'Qui touche la vraie puce peut voir les souvenirs (15 minutes)', newPin: 'Code PIN pour la puce (4 à 8 chiffres, facultatif)',
  savedSharing: 'Enregistré', saveSharing: 'Enregistrer', gift: 'Offrir ce bijou', handOver: 'Transmettre les souvenirs', wipe: 'Effacer les souvenirs au transfert',
  makeCode: 'Créer un code cadeau', giftCode: 'Code cadeau :', until: 'valable jusqu’au', export: 'Télécharger tous les souvenirs (zip)',
  tag: 'Puce NFC', lost: 'Déclarer perdue', revoked: 'Ce certificat a été révoqué par la marque.',
  serial: 'Numéro', made: 'fabriqué le', qrAlt: 'QR code de ce bijou', materials: 'Matériaux', story: 'Son histoire',
  signedBy: 'Certificat signé par', certificate: 'Certificat (JSON)', print: 'Imprimer le certificat',
  tapReplayed: 'Ce lien a déjà servi : touchez de nouveau la puce pour voir les souvenirs.', tapRevoked: 'Cette puce a été déclarée perdue.',
  myPieces: 'Mes bijoux', claimCode: 'Un code cadeau', claim: 'Recevoir le bijou',
  ev_made: 'Fabriqué dans notre atelier', ev_engraved: 'Gravé', ev_module_added: 'Ajouté', ev_module_swapped: 'Échangé', ev_module_removed: 'Retiré',
  ev_repaired: 'Réparé', ev_resized: 'Mis à taille', ev_transferred: 'Offert', ev_certificate_revoked: 'Certificat révoqué',
  ev_tag_added: 'Puce NFC posée', ev_tag_revoked: 'Puce NFC déclarée perdue',
  workshop: 'Atelier : modifier ce bijou', takeOff: 'Retirer', place: 'Où', module: 'Élément', note: 'Note (facultative)',
  addModule: 'Ajouter ou échanger',
};
export function tp(k: PKey): string { return (lang === 'fr' ? pieceFr : pieceEn)[k]; }
