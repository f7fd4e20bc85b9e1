<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Window/level</source>
        <extracomment>The keys of the CT window presets, in the order :func:`viewer.core.display.presets_for` lists them. The drawing and navigation tools: (tool, key, text). The texts (and those of the tables below) are English, marked for translation (:func:`viewer.qt.qt_i18n.noop`); the menus show them translated.</extracomment>
        <translation>Fenêtre/niveau</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Déplacer</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>Longueur</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>Angle</translation>
    </message>
    <message>
        <source>Ellipse ROI</source>
        <translation>ROI elliptique</translation>
    </message>
    <message>
        <source>Rectangle ROI</source>
        <translation>ROI rectangulaire</translation>
    </message>
    <message>
        <source>Freehand ROI</source>
        <translation>ROI à main levée</translation>
    </message>
    <message>
        <source>Window/level tool</source>
        <extracomment>What the shortcuts dialog says of the tools that are not drawn.</extracomment>
        <translation>Outil fenêtre/niveau</translation>
    </message>
    <message>
        <source>Pan tool</source>
        <translation>Outil de déplacement</translation>
    </message>
    <message>
        <source>Zoom tool</source>
        <translation>Outil de zoom</translation>
    </message>
    <message>
        <source>1x2 (side by side)</source>
        <extracomment>The layouts: (name, text, key).</extracomment>
        <translation>1x2 (côte à côte)</translation>
    </message>
    <message>
        <source>2x1 (one above the other)</source>
        <translation>2x1 (l&apos;une au-dessus de l&apos;autre)</translation>
    </message>
    <message>
        <source>1x3 MPR (axial, coronal, sagittal)</source>
        <translation>1x3 MPR (axial, coronal, sagittal)</translation>
    </message>
    <message>
        <source>CT Brain</source>
        <extracomment>The CT window presets&apos; menu texts and help, by preset name.</extracomment>
        <translation>TDM Cerveau</translation>
    </message>
    <message>
        <source>CT window Brain</source>
        <translation>Fenêtre TDM cerveau</translation>
    </message>
    <message>
        <source>CT Subdural</source>
        <translation>TDM Sous-dural</translation>
    </message>
    <message>
        <source>CT window Subdural</source>
        <translation>Fenêtre TDM sous-durale</translation>
    </message>
    <message>
        <source>CT Stroke</source>
        <translation>TDM AVC</translation>
    </message>
    <message>
        <source>CT window Stroke</source>
        <translation>Fenêtre TDM AVC</translation>
    </message>
    <message>
        <source>CT Lung</source>
        <translation>TDM Poumon</translation>
    </message>
    <message>
        <source>CT window Lung</source>
        <translation>Fenêtre TDM pulmonaire</translation>
    </message>
    <message>
        <source>CT Mediastinum</source>
        <translation>TDM Médiastin</translation>
    </message>
    <message>
        <source>CT window Mediastinum</source>
        <translation>Fenêtre TDM médiastinale</translation>
    </message>
    <message>
        <source>CT Abdomen</source>
        <translation>TDM Abdomen</translation>
    </message>
    <message>
        <source>CT window Abdomen</source>
        <translation>Fenêtre TDM abdominale</translation>
    </message>
    <message>
        <source>CT Liver</source>
        <translation>TDM Foie</translation>
    </message>
    <message>
        <source>CT window Liver</source>
        <translation>Fenêtre TDM hépatique</translation>
    </message>
    <message>
        <source>CT Bone</source>
        <translation>TDM Os</translation>
    </message>
    <message>
        <source>CT window Bone</source>
        <translation>Fenêtre TDM osseuse</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <extracomment>The menus&apos; titles, by their path in :attr:`ActionSpec.menu`.</extracomment>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>&amp;Window</source>
        <translation>Fenê&amp;trage</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Outils</translation>
    </message>
    <message>
        <source>&amp;Plugins</source>
        <translation>E&amp;xtensions</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Ai&amp;de</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>Disposition</translation>
    </message>
    <message>
        <source>Open &amp;folder…</source>
        <extracomment>Values filled into the help texts&apos; placeholders after translation.</extracomment>
        <translation>Ouvrir un &amp;dossier…</translation>
    </message>
    <message>
        <source>Open a folder</source>
        <translation>Ouvrir un dossier</translation>
    </message>
    <message>
        <source>Open file, .zip or DICOMDIR…</source>
        <translation>Ouvrir un fichier, un .zip ou un DICOMDIR…</translation>
    </message>
    <message>
        <source>Open a file, .zip or DICOMDIR</source>
        <translation>Ouvrir un fichier, un .zip ou un DICOMDIR</translation>
    </message>
    <message>
        <source>&amp;Import segmentation or structure set…</source>
        <translation>&amp;Importer une segmentation ou un RT Structure Set…</translation>
    </message>
    <message>
        <source>Import a DICOM SEG or RT Structure Set onto the series</source>
        <translation>Importer un DICOM SEG ou un RT Structure Set sur la série</translation>
    </message>
    <message>
        <source>Save &amp;report as DICOM SR…</source>
        <translation>Enregistrer le &amp;compte rendu en DICOM SR…</translation>
    </message>
    <message>
        <source>Save the measurements and AI findings as a DICOM SR</source>
        <translation>Enregistrer les mesures et les résultats de l&apos;IA en DICOM SR</translation>
    </message>
    <message>
        <source>Save &amp;key images (KOS)…</source>
        <translation>Enregistrer les images &amp;clés (KOS)…</translation>
    </message>
    <message>
        <source>Save the key images as a Key Object Selection (KOS)</source>
        <translation>Enregistrer les images clés en Key Object Selection (KOS)</translation>
    </message>
    <message>
        <source>Save &amp;presentation state (GSPS)…</source>
        <translation>Enregistrer l&apos;état de &amp;présentation (GSPS)…</translation>
    </message>
    <message>
        <source>Export &amp;series (anonymised or as it is)…</source>
        <translation>Exporter la &amp;série (anonymisée ou telle quelle)…</translation>
    </message>
    <message>
        <source>&amp;Export view as PNG…</source>
        <translation>&amp;Exporter la vue en PNG…</translation>
    </message>
    <message>
        <source>Export the view as PNG</source>
        <translation>Exporter la vue en PNG</translation>
    </message>
    <message>
        <source>DICOM &amp;tags…</source>
        <translation>&amp;Balises DICOM…</translation>
    </message>
    <message>
        <source>DICOM tag browser</source>
        <translation>Navigateur de balises DICOM</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>MPR layout (axial, coronal, sagittal)</source>
        <translation>Disposition MPR (axial, coronal, sagittal)</translation>
    </message>
    <message>
        <source>Single view / MPR layout</source>
        <translation>Vue unique / disposition MPR</translation>
    </message>
    <message>
        <source>Crosshair and reference lines</source>
        <translation>Réticule et lignes de référence</translation>
    </message>
    <message>
        <source>Crosshair and reference lines (Shift+click moves it)</source>
        <translation>Réticule et lignes de référence (Shift+clic le déplace)</translation>
    </message>
    <message>
        <source>True reformats (oblique acquisitions)</source>
        <translation>Reconstructions vraies (acquisitions obliques)</translation>
    </message>
    <message>
        <source>Turn the crosshair clockwise</source>
        <translation>Tourner le réticule dans le sens horaire</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° clockwise (Ctrl+drag turns it too)</source>
        <translation>MPR oblique : tourner le réticule de {step}° dans le sens horaire (Ctrl+glisser le tourne aussi)</translation>
    </message>
    <message>
        <source>Turn the crosshair anticlockwise</source>
        <translation>Tourner le réticule dans le sens antihoraire</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° anticlockwise</source>
        <translation>MPR oblique : tourner le réticule de {step}° dans le sens antihoraire</translation>
    </message>
    <message>
        <source>Straighten the crosshair</source>
        <translation>Redresser le réticule</translation>
    </message>
    <message>
        <source>Oblique MPR: straighten the crosshair (the patient&apos;s planes again)</source>
        <translation>MPR oblique : redresser le réticule (retour aux plans du patient)</translation>
    </message>
    <message>
        <source>Layout {layout}</source>
        <translation>Disposition {layout}</translation>
    </message>
    <message>
        <source>Compare with prior</source>
        <translation>Comparer avec l&apos;antérieur</translation>
    </message>
    <message>
        <source>Compare with the prior study</source>
        <translation>Comparer avec l&apos;examen antérieur</translation>
    </message>
    <message>
        <source>Patient&apos;s other studies…</source>
        <translation>Autres examens du patient…</translation>
    </message>
    <message>
        <source>Presentation states…</source>
        <translation>États de présentation…</translation>
    </message>
    <message>
        <source>Synchronised scrolling</source>
        <translation>Défilement synchronisé</translation>
    </message>
    <message>
        <source>Synchronised scrolling on / off</source>
        <translation>Défilement synchronisé activé / désactivé</translation>
    </message>
    <message>
        <source>Resynchronise here</source>
        <translation>Resynchroniser ici</translation>
    </message>
    <message>
        <source>Resynchronise here: the slices shown stand against each other from now on</source>
        <translation>Resynchroniser ici : les coupes affichées se correspondent désormais</translation>
    </message>
    <message>
        <source>Linked zoom and pan</source>
        <translation>Zoom et déplacement liés</translation>
    </message>
    <message>
        <source>Linked window/level</source>
        <translation>Fenêtre/niveau liés</translation>
    </message>
    <message>
        <source>Reference lines between viewports</source>
        <translation>Lignes de référence entre les vues</translation>
    </message>
    <message>
        <source>Apply hanging protocol</source>
        <translation>Appliquer le protocole d&apos;affichage</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol…</source>
        <translation>Enregistrer la disposition comme protocole d&apos;affichage…</translation>
    </message>
    <message>
        <source>Next slice</source>
        <translation>Coupe suivante</translation>
    </message>
    <message>
        <source>Previous slice</source>
        <translation>Coupe précédente</translation>
    </message>
    <message>
        <source>Ten slices on</source>
        <translation>Dix coupes en avant</translation>
    </message>
    <message>
        <source>Ten slices back</source>
        <translation>Dix coupes en arrière</translation>
    </message>
    <message>
        <source>First slice</source>
        <translation>Première coupe</translation>
    </message>
    <message>
        <source>Last slice</source>
        <translation>Dernière coupe</translation>
    </message>
    <message>
        <source>Mark or unmark key image</source>
        <translation>Marquer ou démarquer l&apos;image clé</translation>
    </message>
    <message>
        <source>Mark / unmark the image on screen as a key image</source>
        <translation>Marquer / démarquer l&apos;image affichée comme image clé</translation>
    </message>
    <message>
        <source>Key images only</source>
        <translation>Images clés uniquement</translation>
    </message>
    <message>
        <source>Show only the key images</source>
        <translation>Afficher uniquement les images clés</translation>
    </message>
    <message>
        <source>Next time point</source>
        <translation>Instant suivant</translation>
    </message>
    <message>
        <source>Previous time point</source>
        <translation>Instant précédent</translation>
    </message>
    <message>
        <source>Cine</source>
        <translation>Ciné</translation>
    </message>
    <message>
        <source>Cine play / pause</source>
        <translation>Ciné lecture / pause</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Inverser</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>Réinitialiser la vue</translation>
    </message>
    <message>
        <source>Reset the view</source>
        <translation>Réinitialiser la vue</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>Ajuster à la fenêtre</translation>
    </message>
    <message>
        <source>Actual size (1:1)</source>
        <translation>Taille réelle (1:1)</translation>
    </message>
    <message>
        <source>Rotate left</source>
        <translation>Rotation à gauche</translation>
    </message>
    <message>
        <source>Rotate right</source>
        <translation>Rotation à droite</translation>
    </message>
    <message>
        <source>Flip horizontally</source>
        <translation>Miroir horizontal</translation>
    </message>
    <message>
        <source>Flip vertically</source>
        <translation>Miroir vertical</translation>
    </message>
    <message>
        <source>File&apos;s own window</source>
        <translation>Fenêtre du fichier</translation>
    </message>
    <message>
        <source>The file&apos;s own window</source>
        <translation>La fenêtre propre au fichier</translation>
    </message>
    <message>
        <source>&amp;Segment editor…</source>
        <translation>Éditeur de &amp;segments…</translation>
    </message>
    <message>
        <source>Segment editor: correct an AI result or a SEG with the brush, save as DICOM SEG</source>
        <translation>Éditeur de segments : corriger un résultat de l&apos;IA ou un SEG au pinceau, enregistrer en DICOM SEG</translation>
    </message>
    <message>
        <source>Undo segment edit</source>
        <translation>Annuler la modification du segment</translation>
    </message>
    <message>
        <source>Segment editor: undo</source>
        <translation>Éditeur de segments : annuler</translation>
    </message>
    <message>
        <source>Redo segment edit</source>
        <translation>Rétablir la modification du segment</translation>
    </message>
    <message>
        <source>Segment editor: redo (Ctrl+Y too while editing)</source>
        <translation>Éditeur de segments : rétablir (Ctrl+Y aussi pendant l&apos;édition)</translation>
    </message>
    <message>
        <source>Delete selected measurement</source>
        <translation>Supprimer la mesure sélectionnée</translation>
    </message>
    <message>
        <source>Delete the selected measurement</source>
        <translation>Supprimer la mesure sélectionnée</translation>
    </message>
    <message>
        <source>Stop drawing</source>
        <translation>Arrêter le tracé</translation>
    </message>
    <message>
        <source>Stop drawing, back to window/level</source>
        <translation>Arrêter le tracé, retour à fenêtre/niveau</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>This help</source>
        <translation>Cette aide</translation>
    </message>
    <message>
        <source>Audit log…</source>
        <translation>Journal d&apos;audit…</translation>
    </message>
    <message>
        <source>Wheel</source>
        <extracomment>What the mouse does, and keys that are not menu actions, for the shortcuts dialog.</extracomment>
        <translation>Molette</translation>
    </message>
    <message>
        <source>Previous / next slice</source>
        <translation>Coupe précédente / suivante</translation>
    </message>
    <message>
        <source>Ctrl+wheel, right drag</source>
        <translation>Ctrl+molette, glisser avec le bouton droit</translation>
    </message>
    <message>
        <source>Middle drag</source>
        <translation>Glisser avec le bouton du milieu</translation>
    </message>
    <message>
        <source>Left drag</source>
        <translation>Glisser avec le bouton gauche</translation>
    </message>
    <message>
        <source>Active tool</source>
        <translation>Outil actif</translation>
    </message>
    <message>
        <source>Network: study store, PACS query/retrieve, receiver</source>
        <translation>Réseau : stockage des examens, requête/récupération PACS, récepteur</translation>
    </message>
    <message>
        <source>Studies</source>
        <extracomment>How long closing the window waits for cancelled jobs to end (ms). How long after the last change the measurements are kept (several quick changes: one write). The docks&apos; titles (the window knows a dock by its English title, :attr:`QtMainWindow.docks`; it shows it translated). The AI plugin&apos;s dock is among them.</extracomment>
        <translation>Examens</translation>
    </message>
    <message>
        <source>Not shown</source>
        <translation>Non affichés</translation>
    </message>
    <message>
        <source>Measurements</source>
        <translation>Mesures</translation>
    </message>
    <message>
        <source>Overlays</source>
        <translation>Superpositions</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Réseau</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Éditeur de segments</translation>
    </message>
    <message>
        <source>AI</source>
        <extracomment>Menus that plugins add by name (:meth:`QtMainWindow.add_menu_action`), shown translated.</extracomment>
        <translation>IA</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Liste de travail</translation>
    </message>
    <message>
        <source>Run model</source>
        <translation>Exécuter le modèle</translation>
    </message>
    <message>
        <source>Cancel AI job</source>
        <translation>Annuler la tâche d&apos;IA</translation>
    </message>
    <message>
        <source>Explain result</source>
        <translation>Expliquer le résultat</translation>
    </message>
    <message>
        <source>Install the selected pack…</source>
        <translation>Installer le pack sélectionné…</translation>
    </message>
    <message>
        <source>Open batch worklist…</source>
        <translation>Ouvrir la liste de travail par lots…</translation>
    </message>
    <message>
        <source>Name</source>
        <extracomment>The viewer&apos;s setting that remembers the folder of offered packs the user chose. The catalogue&apos;s columns (shown translated).</extracomment>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Emplacement</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Modalities</source>
        <translation>Modalités</translation>
    </message>
    <message>
        <source>opened folders</source>
        <extracomment>Characters of a description shown (the rest is cut, with &quot;...&quot;).</extracomment>
        <translation>dossiers ouverts</translation>
    </message>
    <message>
        <source>local store</source>
        <translation>stockage local</translation>
    </message>
    <message>
        <source>in the opened folders</source>
        <translation>dans les dossiers ouverts</translation>
    </message>
    <message>
        <source>the local study store</source>
        <translation>le stockage local des examens</translation>
    </message>
    <message>
        <source>on the PACS</source>
        <translation>sur le PACS</translation>
    </message>
    <message>
        <source>{places} or {last}</source>
        <translation>{places} ou {last}</translation>
    </message>
    <message>
        <source>No earlier study of this patient with a matching series was found {where}</source>
        <translation>Aucun examen antérieur de ce patient avec une série correspondante n&apos;a été trouvé {where}</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Licence</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Task</source>
        <extracomment>The model card&apos;s headings (:data:`ai.packs.card.CARD_FIELDS`, with the site threshold&apos;s) and the banner, marked for translation: the card shows them in the interface&apos;s language.</extracomment>
        <translation>Tâche</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Authors</source>
        <translation>Auteurs</translation>
    </message>
    <message>
        <source>Intended use</source>
        <translation>Usage prévu</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>Données d&apos;entraînement</translation>
    </message>
    <message>
        <source>Published metrics</source>
        <translation>Performances publiées</translation>
    </message>
    <message>
        <source>Checked here</source>
        <translation>Vérifié ici</translation>
    </message>
    <message>
        <source>References</source>
        <translation>Références</translation>
    </message>
    <message>
        <source>Site threshold</source>
        <translation>Seuil du site</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>non précisé</translation>
    </message>
    <message>
        <source>Not for diagnostic use</source>
        <translation>Ne pas utiliser pour le diagnostic</translation>
    </message>
    <message>
        <source>bundled</source>
        <extracomment>The catalogue&apos;s words for where a pack is, its state and an unnamed group (:mod:`ai.packs.catalogue`), shown translated (:func:`_word`).</extracomment>
        <translation>intégré</translation>
    </message>
    <message>
        <source>installed</source>
        <translation>installé</translation>
    </message>
    <message>
        <source>file</source>
        <translation>fichier</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>prêt</translation>
    </message>
    <message>
        <source>needs trust</source>
        <translation>confiance requise</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>refusé</translation>
    </message>
    <message>
        <source>any</source>
        <translation>toute région</translation>
    </message>
    <message>
        <source>any modality</source>
        <translation>toute modalité</translation>
    </message>
    <message>
        <source>input not checked against the training data</source>
        <extracomment>Shown for a result whose pack records no statistics of its training inputs (:data:`NOT_CHECKED`).</extracomment>
        <translation>entrée non vérifiée par rapport aux données d&apos;entraînement</translation>
    </message>
    <message>
        <source>; </source>
        <extracomment>Between the findings of the input check (French puts a space before the semicolon).</extracomment>
        <translation> ; </translation>
    </message>
    <message>
        <source>B</source>
        <extracomment>The units of a pack&apos;s size (:func:`viewer.core.files.format_size`&apos;s), shown translated (French: &quot;Mio&quot;).</extracomment>
        <translation>o</translation>
    </message>
    <message>
        <source>KiB</source>
        <translation>Kio</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>Mio</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>Gio</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Heure</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Utilisateur</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Événement</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>Open a series first: the hanging protocol is chosen by its modality, body part and description</source>
        <translation>Ouvrez d&apos;abord une série : le protocole d&apos;affichage est choisi selon sa modalité, sa région anatomique et sa description</translation>
    </message>
    <message>
        <source>No hanging protocol matches this series</source>
        <translation>Aucun protocole d&apos;affichage ne correspond à cette série</translation>
    </message>
    <message>
        <source>Hanging protocol: no prior ({error})</source>
        <translation>Protocole d&apos;affichage : pas d&apos;antérieur ({error})</translation>
    </message>
    <message>
        <source>Hanging protocol: {name}</source>
        <translation>Protocole d&apos;affichage : {name}</translation>
    </message>
    <message>
        <source>Hanging protocol {name} saved in {path}</source>
        <translation>Protocole d&apos;affichage {name} enregistré dans {path}</translation>
    </message>
    <message>
        <source>Open a series first: a hanging protocol is saved for its modality and body part</source>
        <translation>Ouvrez d&apos;abord une série : un protocole d&apos;affichage est enregistré pour sa modalité et sa région anatomique</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol</source>
        <translation>Enregistrer la disposition comme protocole d&apos;affichage</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Nom :</translation>
    </message>
    <message>
        <source>This series has no true reformats (a projection image, a single image or colour)</source>
        <extracomment>Degrees one key press turns the crosshair.</extracomment>
        <translation>Cette série n&apos;a pas de reconstructions vraies (image de projection, image unique ou en couleur)</translation>
    </message>
    <message>
        <source>True reformats: the patient&apos;s planes, resampled linearly</source>
        <translation>Reconstructions vraies : les plans du patient, rééchantillonnés linéairement</translation>
    </message>
    <message>
        <source>The crosshair turns on a volume&apos;s axial, coronal and sagittal views only</source>
        <translation>Le réticule ne tourne que sur les vues axiale, coronale et sagittale d&apos;un volume</translation>
    </message>
    <message>
        <source>undated</source>
        <extracomment>What the scan calls the objects read here (see viewer.core.dicom.scan.OBJECT_FAMILIES).</extracomment>
        <translation>non daté</translation>
    </message>
    <message>
        <source>{n} measurement(s) drawn from the study&apos;s reports</source>
        <translation>{n} mesure(s) tracée(s) d&apos;après les comptes rendus de l&apos;examen</translation>
    </message>
    <message>
        <source>{n} not drawn (no place on these images)</source>
        <translation>{n} non tracée(s) (pas de place sur ces images)</translation>
    </message>
    <message>
        <source>{n} presentation state(s) saved with this study: View ▸ Presentation states…</source>
        <translation>{n} état(s) de présentation enregistré(s) avec cet examen : Affichage ▸ États de présentation…</translation>
    </message>
    <message>
        <source>{n} presentation state(s) could not be read</source>
        <translation>{n} état(s) de présentation illisible(s)</translation>
    </message>
    <message>
        <source>No presentation state was saved with this study for the series shown</source>
        <translation>Aucun état de présentation n&apos;a été enregistré avec cet examen pour la série affichée</translation>
    </message>
    <message>
        <source>{n} graphic(s) not drawn</source>
        <translation>{n} graphique(s) non tracé(s)</translation>
    </message>
    <message>
        <source>Presentation state {name} applied: {n} annotation(s)</source>
        <translation>État de présentation {name} appliqué : {n} annotation(s)</translation>
    </message>
    <message>
        <source>Save presentation state (GSPS)</source>
        <translation>Enregistrer l&apos;état de présentation (GSPS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Enregistré : {path}</translation>
    </message>
    <message>
        <source>I trust where this pack came from</source>
        <translation>Je fais confiance à la provenance de ce pack</translation>
    </message>
    <message>
        <source>Install pack…</source>
        <translation>Installer un pack…</translation>
    </message>
    <message>
        <source>Install a model pack after reading who made it and its checksum</source>
        <translation>Installer un pack de modèle après avoir lu qui l&apos;a créé et sa somme de contrôle</translation>
    </message>
    <message>
        <source>From a .zip file…</source>
        <translation>Depuis un fichier .zip…</translation>
    </message>
    <message>
        <source>From a folder…</source>
        <translation>Depuis un dossier…</translation>
    </message>
    <message>
        <source>List the packs of a folder in the catalogue…</source>
        <translation>Lister les packs d&apos;un dossier dans le catalogue…</translation>
    </message>
    <message>
        <source>A folder of model packs (.zip files or pack folders) to list in the catalogue</source>
        <translation>Un dossier de packs de modèles (fichiers .zip ou dossiers de packs) à lister dans le catalogue</translation>
    </message>
    <message>
        <source>Install a model pack from a folder</source>
        <translation>Installer un pack de modèle depuis un dossier</translation>
    </message>
    <message>
        <source>Install a model pack</source>
        <translation>Installer un pack de modèle</translation>
    </message>
    <message>
        <source>Model packs (*.zip)</source>
        <translation>Packs de modèles (*.zip)</translation>
    </message>
    <message>
        <source>AI: reading {name}</source>
        <translation>IA : lecture de {name}</translation>
    </message>
    <message>
        <source>Paint</source>
        <extracomment>How long after the last edit the statistics are recomputed (ms): strokes stay fast. What the algorithm of segments the reader changed is called in the saved SEG. The brush tools of the dock: (tool, button text, tooltip).</extracomment>
        <translation>Peindre</translation>
    </message>
    <message>
        <source>Paint the active segment with a round brush (left drag)</source>
        <translation>Peindre le segment actif avec un pinceau rond (glisser avec le bouton gauche)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Gommer</translation>
    </message>
    <message>
        <source>Erase the active segment with a round brush (left drag)</source>
        <translation>Gommer le segment actif avec un pinceau rond (glisser avec le bouton gauche)</translation>
    </message>
    <message>
        <source>Grow from click</source>
        <translation>Croissance depuis un clic</translation>
    </message>
    <message>
        <source>Region growing: click a seed in a view</source>
        <translation>Croissance de région : cliquez un germe dans une vue</translation>
    </message>
    <message>
        <source>Axial</source>
        <extracomment>Index axis (z, y, x) of each view, for fill between slices.</extracomment>
        <translation>Axial</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>Coronal</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>Sagittal</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Segment</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Verrou</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>Moyenne</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Plage</translation>
    </message>
    <message>
        <source>Flag</source>
        <extracomment>The table&apos;s columns.</extracomment>
        <translation>Signal</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Score</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Date de l&apos;examen</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalité</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lu</translation>
    </message>
    <message>
        <source>Opinion</source>
        <translation>Avis</translation>
    </message>
    <message>
        <source>read</source>
        <extracomment>The mark of a flagged series, and its colour. The tint of a flagged row&apos;s other cells. How often the dock looks whether the batch changed (milliseconds). The earliest date of the date filters: shown as &quot;any&quot;. The keys of the reader&apos;s marks.</extracomment>
        <translation>lu</translation>
    </message>
</context>
<context>
    <name>AIPanel</name>
    <message>
        <source>Model packs (suited to this series first, marked ✓)</source>
        <translation>Packs de modèles (adaptés à cette série en premier, marqués ✓)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Exécuter</translation>
    </message>
    <message>
        <source>Run the selected model on this series (Ctrl+Shift+R)</source>
        <translation>Exécuter le modèle sélectionné sur cette série (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Stop the AI job (Ctrl+Shift+X)</source>
        <translation>Arrêter la tâche d&apos;IA (Ctrl+Shift+X)</translation>
    </message>
    <message>
        <source>Install…</source>
        <translation>Installer…</translation>
    </message>
    <message>
        <source>Install the selected pack from its file: it is checked first, and you are asked to trust it where it needs trust (Enter)</source>
        <translation>Installer le pack sélectionné depuis son fichier : il est d&apos;abord vérifié, et votre confiance est demandée s&apos;il en a besoin (Entrée)</translation>
    </message>
    <message>
        <source>Device: looking…</source>
        <translation>Unité de calcul : recherche…</translation>
    </message>
    <message>
        <source>Structure</source>
        <translation>Structure</translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation>Volume (mL)</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>Coupes</translation>
    </message>
    <message>
        <source>Left mL</source>
        <translation>Gauche mL</translation>
    </message>
    <message>
        <source>Right mL</source>
        <translation>Droite mL</translation>
    </message>
    <message>
        <source>Total mL</source>
        <translation>Total mL</translation>
    </message>
    <message>
        <source>% ICV</source>
        <translation>% VIC</translation>
    </message>
    <message>
        <source>Volumetry</source>
        <translation>Volumétrie</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Classe</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>Probabilité</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>Expliquer</translation>
    </message>
    <message>
        <source>Compute the attention map of the result (Ctrl+Shift+E)</source>
        <translation>Calculer la carte d&apos;attention du résultat (Ctrl+Shift+E)</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>Attention</translation>
    </message>
    <message>
        <source>for</source>
        <translation>pour</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <source>Show a result saved earlier for this series</source>
        <translation>Afficher un résultat enregistré auparavant pour cette série</translation>
    </message>
    <message>
        <source>Earlier</source>
        <translation>Antérieurs</translation>
    </message>
    <message>
        <source>Save result…</source>
        <translation>Enregistrer le résultat…</translation>
    </message>
    <message>
        <source>Write result.json, labels, DICOM SEG and heatmap</source>
        <translation>Écrire result.json, les labels, le DICOM SEG et la carte thermique</translation>
    </message>
    <message>
        <source>Reading model packs…</source>
        <translation>Lecture des packs de modèles…</translation>
    </message>
    <message>
        <source>AI: reading model packs</source>
        <translation>IA : lecture des packs de modèles</translation>
    </message>
    <message>
        <source>Device: {device}</source>
        <translation>Unité de calcul : {device}</translation>
    </message>
    <message>
        <source>No model pack named {name}</source>
        <translation>Aucun pack de modèle nommé {name}</translation>
    </message>
    <message>
        <source>AI: reading a saved result</source>
        <translation>IA : lecture d&apos;un résultat enregistré</translation>
    </message>
    <message>
        <source>{name} is offered as a file and not installed: choose Install… (it is checked first)</source>
        <translation>{name} est proposé sous forme de fichier et n&apos;est pas installé : choisissez Installer… (il est d&apos;abord vérifié)</translation>
    </message>
    <message>
        <source>{n} pack</source>
        <translation>{n} pack</translation>
    </message>
    <message>
        <source>{n} packs</source>
        <translation>{n} packs</translation>
    </message>
    <message>
        <source>{n} suited</source>
        <translation>{n} adapté(s)</translation>
    </message>
    <message>
        <source>no checksums: its files cannot be verified</source>
        <translation>pas de sommes de contrôle : ses fichiers ne peuvent être vérifiés</translation>
    </message>
    <message>
        <source>suits this series</source>
        <translation>adapté à cette série</translation>
    </message>
    <message>
        <source>(the full text is in the model card)</source>
        <translation>(le texte complet figure dans la fiche du modèle)</translation>
    </message>
    <message>
        <source>unpacks to {size}</source>
        <translation>se décompresse en {size}</translation>
    </message>
    <message>
        <source>offered as a file, not installed (Install… checks it first)</source>
        <translation>proposé sous forme de fichier, non installé (Installer… le vérifie d&apos;abord)</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>vérifiée</translation>
    </message>
    <message>
        <source>Checksum {checksum}… ({state})</source>
        <translation>Somme de contrôle {checksum}… ({state})</translation>
    </message>
    <message>
        <source>AI: reading the offered packs</source>
        <translation>IA : lecture des packs proposés</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed</source>
        <translation>Annulé ; rien n&apos;a été modifié</translation>
    </message>
    <message>
        <source>{n} waiting: {names}</source>
        <translation>{n} en attente : {names}</translation>
    </message>
    <message>
        <source>about {seconds} s left</source>
        <translation>environ {seconds} s restantes</translation>
    </message>
    <message>
        <source>the model failed ({error}): {message}</source>
        <translation>le modèle a échoué ({error}) : {message}</translation>
    </message>
    <message>
        <source>not enough memory for this model: {message}</source>
        <translation>mémoire insuffisante pour ce modèle : {message}</translation>
    </message>
    <message>
        <source>AI: {message}</source>
        <translation>IA : {message}</translation>
    </message>
    <message>
        <source>AI: showing the saved result of {pack}</source>
        <translation>IA : affichage du résultat enregistré de {pack}</translation>
    </message>
    <message>
        <source>AI: {pack} finished on {device} in {seconds} s</source>
        <translation>IA : {pack} terminé sur {device} en {seconds} s</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>non précisé</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>inconnu</translation>
    </message>
    <message>
        <source>Volumetry: intracranial volume {icv} (from {source})</source>
        <translation>Volumétrie : volume intracrânien {icv} (d&apos;après {source})</translation>
    </message>
    <message>
        <source>AI {pack}</source>
        <translation>IA {pack}</translation>
    </message>
    <message>
        <source>{n} structures</source>
        <translation>{n} structures</translation>
    </message>
    <message>
        <source>out of distribution</source>
        <translation>hors distribution</translation>
    </message>
    <message>
        <source>not for diagnostic use</source>
        <translation>ne pas utiliser pour le diagnostic</translation>
    </message>
    <message>
        <source>a picture that is not a DICOM series has no study folder to save beside</source>
        <translation>une image qui n&apos;est pas une série DICOM n&apos;a pas de dossier d&apos;examen à côté duquel enregistrer</translation>
    </message>
    <message>
        <source>(no SEG: {error})</source>
        <translation>(pas de SEG : {error})</translation>
    </message>
    <message>
        <source>AI result saved in {folder}</source>
        <translation>Résultat de l&apos;IA enregistré dans {folder}</translation>
    </message>
    <message>
        <source>could not save the result: {error}</source>
        <translation>impossible d&apos;enregistrer le résultat : {error}</translation>
    </message>
</context>
<context>
    <name>Card</name>
    <message>
        <source>none: the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <extracomment>(field shown, metadata keys tried in order) The translation context of the &quot;Site threshold&quot; row (written out in the call: lupdate reads literals).</extracomment>
        <translation>aucun : seuil propre du pack {own}. Un seuil du site ne vaut que pour cette version (somme de contrôle {checksum}) : une nouvelle version du pack exige son propre étalonnage (outpost batch calibrate).</translation>
    </message>
    <message>
        <source>{threshold}, from {source}; the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <translation>{threshold}, issu de {source} ; seuil propre du pack {own}. Un seuil du site ne vaut que pour cette version (somme de contrôle {checksum}) : une nouvelle version du pack exige son propre étalonnage (outpost batch calibrate).</translation>
    </message>
</context>
<context>
    <name>CatalogueTree</name>
    <message>
        <source>Model pack catalogue</source>
        <extracomment>How much of a licence a tooltip shows (the card shows it all). How wide the catalogue asks to be (pixels): its columns, and no more of the views&apos; room. The narrowest the name column gets when the columns are fitted to the catalogue&apos;s width.</extracomment>
        <translation>Catalogue des packs de modèles</translation>
    </message>
</context>
<context>
    <name>Input</name>
    <message>
        <source>{pack} is made for {modalities} images; this series is of unknown modality</source>
        <extracomment>The translation context of the sentences below (written out in each call: lupdate reads literals). Spacing further than this factor outside the training range is out of distribution. Intensities further than this fraction of the training range outside it are out of distribution. What a pack that records no statistics of its training inputs is shown as.</extracomment>
        <translation>{pack} est conçu pour des images {modalities} ; la modalité de cette série est inconnue</translation>
    </message>
    <message>
        <source>{pack} is made for {modalities} images; this series is {modality}</source>
        <translation>{pack} est conçu pour des images {modalities} ; cette série est de modalité {modality}</translation>
    </message>
    <message>
        <source>{pack} is made for {body_parts}; this series shows {body_part}</source>
        <translation>{pack} est conçu pour la région {body_parts} ; cette série montre la région {body_part}</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is colour</source>
        <translation>{pack} attend un seul volume en niveaux de gris ; cette série est en couleur</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is a time series</source>
        <translation>{pack} attend un seul volume en niveaux de gris ; cette série est une série temporelle</translation>
    </message>
    <message>
        <source>{pack} is a 2-D model for single images; this series has {slices} slices</source>
        <translation>{pack} est un modèle 2D pour images uniques ; cette série compte {slices} coupes</translation>
    </message>
    <message>
        <source>{pack} is a 3-D model; this series is a single image</source>
        <translation>{pack} est un modèle 3D ; cette série est une image unique</translation>
    </message>
    <message>
        <source>this series ({shape}) is smaller than {pack} needs ({minimum})</source>
        <translation>cette série ({shape}) est plus petite que ce qu&apos;exige {pack} ({minimum})</translation>
    </message>
    <message>
        <source>unsuitable: {reason}</source>
        <translation>inadapté : {reason}</translation>
    </message>
    <message>
        <source>photometric interpretation {photometric}, trained on {trained}</source>
        <translation>interprétation photométrique {photometric}, entraîné sur {trained}</translation>
    </message>
    <message>
        <source>view {view}, trained on {trained}</source>
        <translation>incidence {view}, entraîné sur {trained}</translation>
    </message>
    <message>
        <source>{what} {value} mm, trained on {trained} mm</source>
        <translation>{what} {value} mm, entraîné sur {trained} mm</translation>
    </message>
    <message>
        <source>modality {modality}, trained on {trained}</source>
        <translation>modalité {modality}, entraîné sur {trained}</translation>
    </message>
    <message>
        <source>modality unknown, trained on {trained}</source>
        <translation>modalité inconnue, entraîné sur {trained}</translation>
    </message>
    <message>
        <source>{photometric} (inverted), trained on {trained}</source>
        <translation>{photometric} (inversé), entraîné sur {trained}</translation>
    </message>
    <message>
        <source>{photometric}, trained on {trained}</source>
        <translation>{photometric}, entraîné sur {trained}</translation>
    </message>
    <message>
        <source>bits stored {bits}, the model was trained on {trained}-bit images</source>
        <translation>bits stockés {bits}, le modèle a été entraîné sur des images {trained} bits</translation>
    </message>
    <message>
        <source>intensities {first} to {last} (1st-99th percentile), trained on {low} to {high}</source>
        <translation>intensités de {first} à {last} (1er-99e percentile), entraîné sur {low} à {high}</translation>
    </message>
    <message>
        <source>pixel spacing</source>
        <translation>espacement des pixels</translation>
    </message>
    <message>
        <source>slice spacing</source>
        <translation>espacement des coupes</translation>
    </message>
    <message>
        <source>pixel spacing ({axis})</source>
        <translation>espacement des pixels ({axis})</translation>
    </message>
    <message>
        <source>Out of distribution: {warnings}</source>
        <translation>Hors distribution : {warnings}</translation>
    </message>
    <message>
        <source>input not checked against the training data (the pack records no statistics of its training inputs)</source>
        <translation>entrée non vérifiée par rapport aux données d&apos;entraînement (le pack n&apos;enregistre aucune statistique de ses données d&apos;entraînement)</translation>
    </message>
    <message>
        <source>input checked against the training data: nothing differs</source>
        <translation>entrée vérifiée par rapport aux données d&apos;entraînement : aucune différence</translation>
    </message>
    <message>
        <source>intensity: the median {median} lies outside the training range {low} to {high} (1st-99th percentile)</source>
        <translation>intensité : la médiane {median} est hors de la plage d&apos;entraînement {low} à {high} (1er-99e percentile)</translation>
    </message>
    <message>
        <source>intensity: nothing above {threshold}, where the training data had its body</source>
        <translation>intensité : rien au-dessus de {threshold}, où se trouvait le corps dans les données d&apos;entraînement</translation>
    </message>
    <message>
        <source>intensity: the mean above {threshold} is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensité : la moyenne au-dessus de {threshold} est {mean}, celle des données d&apos;entraînement {trained} (écart de plus de 3 écarts-types)</translation>
    </message>
    <message>
        <source>intensity: the mean is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensité : la moyenne est {mean}, celle des données d&apos;entraînement {trained} (écart de plus de 3 écarts-types)</translation>
    </message>
</context>
<context>
    <name>QPackInstallDialog</name>
    <message>
        <source>Install pack: {name}</source>
        <translation>Installer le pack : {name}</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Installer</translation>
    </message>
    <message>
        <source>Cannot be installed: {reason}</source>
        <translation>Installation impossible : {reason}</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Installation…</translation>
    </message>
    <message>
        <source>AI: installing {name}</source>
        <translation>IA : installation de {name}</translation>
    </message>
    <message>
        <source>Installed {name} {version}</source>
        <translation>{name} {version} installé</translation>
    </message>
    <message>
        <source>Not installed: {error}</source>
        <translation>Non installé : {error}</translation>
    </message>
</context>
<context>
    <name>QtAuditDialog</name>
    <message>
        <source>Audit log</source>
        <translation>Journal d&apos;audit</translation>
    </message>
    <message>
        <source>Filter: event, user, UID, pack, node…</source>
        <translation>Filtre : événement, utilisateur, UID, pack, nœud…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
</context>
<context>
    <name>QtExportDialog</name>
    <message>
        <source>Export series</source>
        <translation>Exporter la série</translation>
    </message>
    <message>
        <source>a new or empty folder</source>
        <translation>un dossier nouveau ou vide</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Choisir…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <source>Anonymise (DICOM PS3.15 basic profile)</source>
        <translation>Anonymiser (profil de base DICOM PS3.15)</translation>
    </message>
    <message>
        <source>Shift dates instead of removing them, by (days)</source>
        <translation>Décaler les dates au lieu de les supprimer, de (jours)</translation>
    </message>
    <message>
        <source>New patient name</source>
        <translation>Nouveau nom du patient</translation>
    </message>
    <message>
        <source>New patient ID</source>
        <translation>Nouvel ID du patient</translation>
    </message>
    <message>
        <source>Press Review to see what will be removed before anything is written.</source>
        <translation>Appuyez sur Vérifier pour voir ce qui sera supprimé avant toute écriture.</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Vérifier</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>Écrire</translation>
    </message>
    <message>
        <source>Export into a new or empty folder</source>
        <translation>Exporter dans un dossier nouveau ou vide</translation>
    </message>
    <message>
        <source>{n} file(s) will be copied unchanged.</source>
        <translation>{n} fichier(s) seront copiés sans modification.</translation>
    </message>
    <message>
        <source>Reading the files…</source>
        <translation>Lecture des fichiers…</translation>
    </message>
    <message>
        <source>Cannot anonymise: {error}</source>
        <translation>Anonymisation impossible : {error}</translation>
    </message>
    <message>
        <source>Choose a folder first.</source>
        <translation>Choisissez d&apos;abord un dossier.</translation>
    </message>
    <message>
        <source>Export failed: {error}</source>
        <translation>Échec de l&apos;export : {error}</translation>
    </message>
    <message>
        <source>Exported {n} file(s) into {folder}</source>
        <translation>{n} fichier(s) exporté(s) dans {folder}</translation>
    </message>
</context>
<context>
    <name>QtMainWindow</name>
    <message>
        <source>Cancel</source>
        <extracomment>The files the annotations shown came from: ``(overlay, path)``, for the segment editor. What plugins said about the overlays they added: ``(overlay, provenance)``.</extracomment>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Recent studies</source>
        <extracomment>The top-level menus by their English names (plugins name them so, :meth:`add_menu_action`).</extracomment>
        <translation>Examens récents</translation>
    </message>
    <message>
        <source>File windows and VOI LUT</source>
        <translation>Fenêtres du fichier et VOI LUT</translation>
    </message>
    <message>
        <source>Network: study store, PACS, receiver</source>
        <translation>Réseau : stockage des examens, PACS, récepteur</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Outils</translation>
    </message>
    <message>
        <source>Cine fps</source>
        <translation>Ciné i/s</translation>
    </message>
    <message>
        <source>Slab</source>
        <translation>Coupe épaisse</translation>
    </message>
    <message>
        <source>Thick slab: maximum (MIP), minimum (MinIP) or mean intensity over the thickness, in every view</source>
        <translation>Coupe épaisse : intensité maximale (MIP), minimale (MinIP) ou moyenne sur l&apos;épaisseur, dans chaque vue</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Désactivée</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <source>The language will change when Outpost is started again</source>
        <translation>La langue changera au prochain démarrage d&apos;Outpost</translation>
    </message>
    <message>
        <source>Nothing to undo: no segmentation is being edited</source>
        <translation>Rien à annuler : aucune segmentation n&apos;est en cours d&apos;édition</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>chargée</translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation>échec : {error}</translation>
    </message>
    <message>
        <source>Plugin {name} was skipped: {error}</source>
        <translation>L&apos;extension {name} a été ignorée : {error}</translation>
    </message>
    <message>
        <source>No plugins installed</source>
        <translation>Aucune extension installée</translation>
    </message>
    <message>
        <source>Reading headers…</source>
        <translation>Lecture des en-têtes…</translation>
    </message>
    <message>
        <source>Cannot show this series: {error}</source>
        <translation>Impossible d&apos;afficher cette série : {error}</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>Chargement annulé</translation>
    </message>
    <message>
        <source>Not shown ({n})</source>
        <translation>Non affichés ({n})</translation>
    </message>
    <message>
        <source>No images found in what was opened</source>
        <translation>Aucune image trouvée dans ce qui a été ouvert</translation>
    </message>
    <message>
        <source>Loading stopped: {error}</source>
        <translation>Chargement interrompu : {error}</translation>
    </message>
    <message>
        <source>Loaded</source>
        <translation>Chargé</translation>
    </message>
    <message>
        <source>Showing {n} annotation layer(s): {names}</source>
        <translation>Affichage de {n} couche(s) d&apos;annotation : {names}</translation>
    </message>
    <message>
        <source>({n} edited since: hidden, tick it in Overlays)</source>
        <translation>({n} modifiée(s) depuis : masquée(s), cochez-la dans Superpositions)</translation>
    </message>
    <message>
        <source>Not shown: {problems}</source>
        <translation>Non affiché : {problems}</translation>
    </message>
    <message>
        <source>Annotations: {error}</source>
        <translation>Annotations : {error}</translation>
    </message>
    <message>
        <source>Window {number}: W {width} / L {center}</source>
        <translation>Fenêtre {number} : L {width} / N {center}</translation>
    </message>
    <message>
        <source>Measurements not kept: {error}</source>
        <translation>Mesures non conservées : {error}</translation>
    </message>
    <message>
        <source>{n} measurement(s) kept from the last reading shown</source>
        <translation>{n} mesure(s) conservée(s) de la dernière lecture affichée(s)</translation>
    </message>
    <message>
        <source>Open a series first: its prior is looked for by the patient&apos;s ID</source>
        <translation>Ouvrez d&apos;abord une série : son antérieur est recherché par l&apos;ID du patient</translation>
    </message>
    <message>
        <source>Scrolling synchronised from the slices shown</source>
        <translation>Défilement synchronisé à partir des coupes affichées</translation>
    </message>
    <message>
        <source>Open a folder of DICOM files</source>
        <translation>Ouvrir un dossier de fichiers DICOM</translation>
    </message>
    <message>
        <source>Open a DICOM file, .zip or DICOMDIR</source>
        <translation>Ouvrir un fichier DICOM, un .zip ou un DICOMDIR</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation or structure set is shown on its images</source>
        <translation>Ouvrez d&apos;abord une série : une segmentation ou un RT Structure Set s&apos;affiche sur ses images</translation>
    </message>
    <message>
        <source>Import DICOM SEG or RT Structure Set</source>
        <translation>Importer un DICOM SEG ou un RT Structure Set</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Ouvrez d&apos;abord une série</translation>
    </message>
    <message>
        <source>Image {n} marked; {count} key image(s)</source>
        <translation>Image {n} marquée ; {count} image(s) clé(s)</translation>
    </message>
    <message>
        <source>Image {n} unmarked; {count} key image(s)</source>
        <translation>Image {n} démarquée ; {count} image(s) clé(s)</translation>
    </message>
    <message>
        <source>No key image is marked (K marks the image on screen)</source>
        <translation>Aucune image clé n&apos;est marquée (K marque l&apos;image affichée)</translation>
    </message>
    <message>
        <source>{n} key image(s) from the study&apos;s key object selection; Shift+K shows only them</source>
        <translation>{n} image(s) clé(s) issue(s) de la Key Object Selection de l&apos;examen ; Shift+K n&apos;affiche qu&apos;elles</translation>
    </message>
    <message>
        <source>Save key images (KOS)</source>
        <translation>Enregistrer les images clés (KOS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Enregistré : {path}</translation>
    </message>
    <message>
        <source>Save report as DICOM SR</source>
        <translation>Enregistrer le compte rendu en DICOM SR</translation>
    </message>
    <message>
        <source>Export view as PNG</source>
        <translation>Exporter la vue en PNG</translation>
    </message>
</context>
<context>
    <name>QtMeasurementPanel</name>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Plane</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
</context>
<context>
    <name>QtNetworkPanel</name>
    <message>
        <source>Local study store</source>
        <translation>Stockage local des examens</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalité</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Séries</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Images</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Not opened yet</source>
        <translation>Pas encore ouvert</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>Importer un dossier…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Ouvrir</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <source>{n} studies, {size} in {folder}</source>
        <translation>{n} examens, {size} dans {folder}</translation>
    </message>
    <message>
        <source>Import a folder, CD or USB stick into the store</source>
        <translation>Importer un dossier, un CD ou une clé USB dans le stockage</translation>
    </message>
    <message>
        <source>import</source>
        <translation>import</translation>
    </message>
    <message>
        <source>Delete study</source>
        <translation>Supprimer l&apos;examen</translation>
    </message>
    <message>
        <source>Delete this study from the local store? Its files are removed from this computer.</source>
        <translation>Supprimer cet examen du stockage local ? Ses fichiers seront effacés de cet ordinateur.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Ajouter…</translation>
    </message>
    <message>
        <source>Add a node as AET@host:port</source>
        <translation>Ajouter un nœud sous la forme AET@hôte:port</translation>
    </message>
    <message>
        <source>Echo</source>
        <translation>Écho</translation>
    </message>
    <message>
        <source>Check the node answers (C-ECHO)</source>
        <translation>Vérifier que le nœud répond (C-ECHO)</translation>
    </message>
    <message>
        <source>YYYYMMDD, or YYYYMMDD-YYYYMMDD</source>
        <translation>AAAAMMJJ, ou AAAAMMJJ-AAAAMMJJ</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>Nom du patient</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>ID du patient</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Date de l&apos;examen</translation>
    </message>
    <message>
        <source>Accession</source>
        <translation>N° d&apos;accession</translation>
    </message>
    <message>
        <source>C-MOVE needs the PACS to know this computer&apos;s receiver; WADO-RS needs the node&apos;s DICOMweb address</source>
        <translation>C-MOVE exige que le PACS connaisse le récepteur de cet ordinateur ; WADO-RS exige l&apos;adresse DICOMweb du nœud</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Rechercher</translation>
    </message>
    <message>
        <source>Retrieve</source>
        <translation>Récupérer</translation>
    </message>
    <message>
        <source>Send series shown</source>
        <translation>Envoyer la série affichée</translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation>Envoyer des fichiers…</translation>
    </message>
    <message>
        <source>Add a DICOM node</source>
        <translation>Ajouter un nœud DICOM</translation>
    </message>
    <message>
        <source>AE title@host:port</source>
        <translation>Titre AE@hôte:port</translation>
    </message>
    <message>
        <source>{name} cancelled</source>
        <translation>{name} annulé</translation>
    </message>
    <message>
        <source>echo</source>
        <translation>écho</translation>
    </message>
    <message>
        <source>The node answered in {ms} ms</source>
        <translation>Le nœud a répondu en {ms} ms</translation>
    </message>
    <message>
        <source>search</source>
        <translation>recherche</translation>
    </message>
    <message>
        <source>{n} studies found</source>
        <translation>{n} examens trouvés</translation>
    </message>
    <message>
        <source>Retrieved {n} images ({new} new)</source>
        <translation>{n} images récupérées ({new} nouvelles)</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} en échec</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Ouvrez d&apos;abord une série</translation>
    </message>
    <message>
        <source>Send DICOM files (e.g. a SEG or SR Outpost made)</source>
        <translation>Envoyer des fichiers DICOM (p. ex. un SEG ou un SR créé par Outpost)</translation>
    </message>
    <message>
        <source>send</source>
        <translation>envoi</translation>
    </message>
    <message>
        <source>{n} refused: {reason}</source>
        <translation>{n} refusé(s) : {reason}</translation>
    </message>
    <message>
        <source>Sent {n} images</source>
        <translation>{n} images envoyées</translation>
    </message>
    <message>
        <source>Receive from modalities (storage SCP)</source>
        <translation>Recevoir des modalités (SCP de stockage)</translation>
    </message>
    <message>
        <source>On</source>
        <translation>Activé</translation>
    </message>
    <message>
        <source>Off by default: when on, this computer accepts DICOM images sent to it</source>
        <translation>Désactivé par défaut : activé, cet ordinateur accepte les images DICOM qui lui sont envoyées</translation>
    </message>
    <message>
        <source>AE title</source>
        <translation>Titre AE</translation>
    </message>
    <message>
        <source>port</source>
        <translation>port</translation>
    </message>
    <message>
        <source>anyone (or e.g. CT1@10.0.0.5, MR2)</source>
        <translation>tout le monde (ou p. ex. CT1@10.0.0.5, MR2)</translation>
    </message>
    <message>
        <source>Calling AE titles allowed to send, each optionally @ an IP address or network; everyone else is refused. Saved in pacs.json.</source>
        <translation>Titres AE appelants autorisés à envoyer, chacun éventuellement @ une adresse IP ou un réseau ; tous les autres sont refusés. Enregistré dans pacs.json.</translation>
    </message>
    <message>
        <source>Allowed callers</source>
        <translation>Appelants autorisés</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Désactivée</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}, from {callers}</source>
        <translation>À l&apos;écoute en tant que {ae} sur {host}:{port}, depuis {callers}</translation>
    </message>
    <message>
        <source>(other content under a stored UID: kept apart)</source>
        <translation>(autre contenu sous un UID déjà stocké : conservé à part)</translation>
    </message>
    <message>
        <source>(already stored)</source>
        <translation>(déjà stocké)</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}; {n} received</source>
        <translation>À l&apos;écoute en tant que {ae} sur {host}:{port} ; {n} reçu(s)</translation>
    </message>
</context>
<context>
    <name>QtOverlayPanel</name>
    <message>
        <source>Outline only</source>
        <translation>Contour seulement</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>Opacité</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Afficher</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Label</translation>
    </message>
    <message>
        <source>Colour map</source>
        <translation>Palette de couleurs</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>Seuil</translation>
    </message>
</context>
<context>
    <name>QtPatientStudies</name>
    <message>
        <source>Patient&apos;s other studies</source>
        <translation>Autres examens du patient</translation>
    </message>
    <message>
        <source>Open beside</source>
        <translation>Ouvrir à côté</translation>
    </message>
    <message>
        <source>Show the study&apos;s best matching series beside the current one (retrieved first when it is on the PACS)</source>
        <translation>Afficher la série la plus proche de l&apos;examen à côté de la série actuelle (récupérée d&apos;abord si elle est sur le PACS)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Open a series first: the patient&apos;s studies are looked for by the patient&apos;s ID</source>
        <translation>Ouvrez d&apos;abord une série : les examens du patient sont recherchés par l&apos;ID du patient</translation>
    </message>
    <message>
        <source>Looking on {node} too…</source>
        <translation>Recherche aussi sur {node}…</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>Recherche…</translation>
    </message>
    <message>
        <source>no date</source>
        <translation>sans date</translation>
    </message>
    <message>
        <source>1 other study</source>
        <translation>1 autre examen</translation>
    </message>
    <message>
        <source>{n} other studies</source>
        <translation>{n} autres examens</translation>
    </message>
    <message>
        <source>Retrieving from the PACS…</source>
        <translation>Récupération depuis le PACS…</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Ouverture…</translation>
    </message>
    <message>
        <source>Shown beside: {series}</source>
        <translation>Affichée à côté : {series}</translation>
    </message>
</context>
<context>
    <name>QtPresentationChooser</name>
    <message>
        <source>Presentation states</source>
        <translation>États de présentation</translation>
    </message>
    <message>
        <source>None: the images as stored, measurements as read</source>
        <translation>Aucun : les images telles qu&apos;enregistrées, les mesures telles que lues</translation>
    </message>
    <message>
        <source>Saved with this study for the series shown:</source>
        <translation>Enregistrés avec cet examen pour la série affichée :</translation>
    </message>
</context>
<context>
    <name>QtSegmentEditor</name>
    <message>
        <source>Segmentation</source>
        <translation>Segmentation</translation>
    </message>
    <message>
        <source>The AI result or DICOM SEG to correct, or a new empty segmentation. It is never changed: editing makes a new segmentation.</source>
        <translation>Le résultat de l&apos;IA ou le DICOM SEG à corriger, ou une nouvelle segmentation vide. Il n&apos;est jamais modifié : l&apos;édition crée une nouvelle segmentation.</translation>
    </message>
    <message>
        <source>Start editing</source>
        <translation>Commencer l&apos;édition</translation>
    </message>
    <message>
        <source>Stop editing</source>
        <translation>Arrêter l&apos;édition</translation>
    </message>
    <message>
        <source>Start from</source>
        <translation>Partir de</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>Segments</translation>
    </message>
    <message>
        <source>Click a row to paint into that segment; double-click a name to rename it and the colour to change it</source>
        <translation>Cliquez sur une ligne pour peindre dans ce segment ; double-cliquez sur un nom pour le renommer et sur la couleur pour la changer</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Ajouter</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Couleur…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Pinceau</translation>
    </message>
    <message>
        <source>Sphere (3-D)</source>
        <translation>Sphère (3D)</translation>
    </message>
    <message>
        <source>Paint a ball through the neighbouring slices, not a disc on the plane</source>
        <translation>Peindre une sphère à travers les coupes voisines, pas un disque dans le plan</translation>
    </message>
    <message>
        <source>Radius</source>
        <translation>Rayon</translation>
    </message>
    <message>
        <source>Only voxels in the intensity range</source>
        <translation>Uniquement les voxels dans la plage d&apos;intensité</translation>
    </message>
    <message>
        <source>Intensity range, threshold and region growing</source>
        <translation>Plage d&apos;intensité, seuillage et croissance de région</translation>
    </message>
    <message>
        <source>to</source>
        <translation>à</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Plage</translation>
    </message>
    <message>
        <source>Threshold into the active segment</source>
        <translation>Seuiller dans le segment actif</translation>
    </message>
    <message>
        <source>Connected (the range)</source>
        <translation>Connexité (la plage)</translation>
    </message>
    <message>
        <source>Confidence connected (× SD)</source>
        <translation>Connexité par confiance (× ET)</translation>
    </message>
    <message>
        <source>Growing</source>
        <translation>Croissance</translation>
    </message>
    <message>
        <source>Multiplier</source>
        <translation>Multiplicateur</translation>
    </message>
    <message>
        <source>Operations on the active segment</source>
        <translation>Opérations sur le segment actif</translation>
    </message>
    <message>
        <source>Fill between slices</source>
        <translation>Remplir entre les coupes</translation>
    </message>
    <message>
        <source>Keep largest island</source>
        <translation>Garder le plus grand îlot</translation>
    </message>
    <message>
        <source>Remove islands under</source>
        <translation>Retirer les îlots de moins de</translation>
    </message>
    <message>
        <source>Median</source>
        <translation>Médian</translation>
    </message>
    <message>
        <source>Closing (fill gaps)</source>
        <translation>Fermeture (combler les trous)</translation>
    </message>
    <message>
        <source>Smooth</source>
        <translation>Lisser</translation>
    </message>
    <message>
        <source>Union with</source>
        <translation>Union avec</translation>
    </message>
    <message>
        <source>Subtract</source>
        <translation>Soustraire</translation>
    </message>
    <message>
        <source>Intersect with</source>
        <translation>Intersection avec</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Appliquer</translation>
    </message>
    <message>
        <source>History and saving</source>
        <translation>Historique et enregistrement</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Rétablir</translation>
    </message>
    <message>
        <source>Ctrl+Y or Ctrl+Shift+Z</source>
        <translation>Ctrl+Y ou Ctrl+Shift+Z</translation>
    </message>
    <message>
        <source>Save as DICOM SEG</source>
        <translation>Enregistrer en DICOM SEG</translation>
    </message>
    <message>
        <source>A new SEG series beside the study, referencing its images and the segmentation the editing started from</source>
        <translation>Une nouvelle série SEG à côté de l&apos;examen, qui référence ses images et la segmentation de départ de l&apos;édition</translation>
    </message>
    <message>
        <source>Empty segmentation</source>
        <translation>Segmentation vide</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation is edited on its images</source>
        <translation>Ouvrez d&apos;abord une série : une segmentation s&apos;édite sur ses images</translation>
    </message>
    <message>
        <source>Cannot edit {name}: {error}</source>
        <translation>Impossible d&apos;éditer {name} : {error}</translation>
    </message>
    <message>
        <source>{n} voxel(s) lay in more than one segment: each now belongs to the higher-numbered one</source>
        <translation>{n} voxel(s) appartenai(en)t à plusieurs segments : chacun appartient désormais au segment de plus haut numéro</translation>
    </message>
    <message>
        <source>Editing {name}: choose a segment and a tool</source>
        <translation>Édition de {name} : choisissez un segment et un outil</translation>
    </message>
    <message>
        <source>a new segmentation</source>
        <translation>une nouvelle segmentation</translation>
    </message>
    <message>
        <source>A new segmentation</source>
        <translation>Une nouvelle segmentation</translation>
    </message>
    <message>
        <source>From the AI result {name}</source>
        <translation>D&apos;après le résultat de l&apos;IA {name}</translation>
    </message>
    <message>
        <source>From the DICOM SEG {name}</source>
        <translation>D&apos;après le DICOM SEG {name}</translation>
    </message>
    <message>
        <source>From the structure set {name}</source>
        <translation>D&apos;après le RT Structure Set {name}</translation>
    </message>
    <message>
        <source>From {name}</source>
        <translation>D&apos;après {name}</translation>
    </message>
    <message>
        <source>(checksum {checksum}…)</source>
        <translation>(somme de contrôle {checksum}…)</translation>
    </message>
    <message>
        <source>It is not changed: saving makes a new SEG series.</source>
        <translation>Elle n&apos;est pas modifiée : l&apos;enregistrement crée une nouvelle série SEG.</translation>
    </message>
    <message>
        <source>Editing stopped; the unsaved edits are kept and offered back when the series is opened</source>
        <translation>Édition arrêtée ; les modifications non enregistrées sont conservées et reproposées à l&apos;ouverture de la série</translation>
    </message>
    <message>
        <source>unsaved</source>
        <translation>non enregistré</translation>
    </message>
    <message>
        <source>Undo memory {used} of {budget}</source>
        <translation>Mémoire d&apos;annulation {used} sur {budget}</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>Rien à annuler</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>Rien à rétablir</translation>
    </message>
    <message>
        <source>Start editing and choose a segment first</source>
        <translation>Commencez l&apos;édition et choisissez d&apos;abord un segment</translation>
    </message>
    <message>
        <source>Only a DICOM series can have a DICOM SEG: this picture has no series to refer to</source>
        <translation>Seule une série DICOM peut avoir un DICOM SEG : cette image n&apos;a pas de série à laquelle se référer</translation>
    </message>
    <message>
        <source>Saving edited segmentations as DICOM SEG is not available in this version</source>
        <translation>L&apos;enregistrement des segmentations éditées en DICOM SEG n&apos;est pas disponible dans cette version</translation>
    </message>
    <message>
        <source>The SEG was not saved: {error}</source>
        <translation>Le SEG n&apos;a pas été enregistré : {error}</translation>
    </message>
    <message>
        <source>Saving the edited SEG</source>
        <translation>Enregistrement du SEG édité</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}</source>
        <translation>Enregistré en DICOM SEG : {path}</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}; edits made while it was written are not in it: save again</source>
        <translation>Enregistré en DICOM SEG : {path} ; les modifications faites pendant l&apos;écriture n&apos;y sont pas : enregistrez à nouveau</translation>
    </message>
    <message>
        <source>Unsaved segment edits of this series were found ({what}). Restore them? (No discards them.)</source>
        <translation>Des modifications de segments non enregistrées ont été trouvées pour cette série ({what}). Les restaurer ? (Non les supprime.)</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Éditeur de segments</translation>
    </message>
    <message>
        <source>The unsaved edits were discarded</source>
        <translation>Les modifications non enregistrées ont été supprimées</translation>
    </message>
    <message>
        <source>The edits were made on {name}, which is not shown now: show it (run the model or open the SEG), then open the series again</source>
        <translation>Les modifications ont été faites sur {name}, qui n&apos;est pas affiché : affichez-le (exécutez le modèle ou ouvrez le SEG), puis rouvrez la série</translation>
    </message>
    <message>
        <source>a segmentation</source>
        <translation>une segmentation</translation>
    </message>
    <message>
        <source>The edits could not be restored: {error}</source>
        <translation>Les modifications n&apos;ont pas pu être restaurées : {error}</translation>
    </message>
    <message>
        <source>The unsaved edits were restored</source>
        <translation>Les modifications non enregistrées ont été restaurées</translation>
    </message>
</context>
<context>
    <name>QtShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Touches</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
</context>
<context>
    <name>QtStudyBrowser</name>
    <message>
        <source>Patient / study / series</source>
        <extracomment>The :class:`~viewer.core.dicom.scan.SkippedFile` of a non-image object&apos;s row.</extracomment>
        <translation>Patient / examen / série</translation>
    </message>
    <message>
        <source>Mod</source>
        <translation>Mod</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Images</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(sans nom)</translation>
    </message>
    <message>
        <source>(study)</source>
        <translation>(examen)</translation>
    </message>
    <message>
        <source>series {number}</source>
        <translation>série {number}</translation>
    </message>
    <message>
        <source>(not an image: not shown in the views)</source>
        <translation>(pas une image : non affiché dans les vues)</translation>
    </message>
</context>
<context>
    <name>QtTagBrowser</name>
    <message>
        <source>DICOM tags — {title}</source>
        <translation>Balises DICOM — {title}</translation>
    </message>
    <message>
        <source>Filter by tag, keyword or value</source>
        <translation>Filtrer par balise, mot-clé ou valeur</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Balise</translation>
    </message>
    <message>
        <source>Keyword</source>
        <translation>Mot-clé</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
    <message>
        <source>&lt;pixel data, {n} bytes&gt;</source>
        <translation>&lt;données de pixels, {n} octets&gt;</translation>
    </message>
    <message>
        <source>&lt;sequence of {n} item(s)&gt;</source>
        <translation>&lt;séquence de {n} élément(s)&gt;</translation>
    </message>
    <message>
        <source>item {n}</source>
        <translation>élément {n}</translation>
    </message>
</context>
<context>
    <name>QtViewport</name>
    <message>
        <source>Open a study: File ▸ Open folder (Ctrl+O), or drop files here</source>
        <extracomment>The drag-and-drop format of a series from the study browser: its key, in ASCII. The brush radius in millimetres (0: no outline, e.g. a seed click). Whether the outline is drawn in the eraser&apos;s colour. A series was dropped here from the study browser: ``(viewport, series key)``. A line for the status bar (e.g. why a tool does nothing here). The reader zoomed or panned this view (the comparison links zoom and pan): ``(viewport)``. Other viewports&apos; slices on this plane: segments ``((row, col), (row, col))`` (see :meth:`viewer.model.layout.LayoutModel.reference_lines`). The segment editor&apos;s brush while it is chosen (the left button paints), else ``None``.</extracomment>
        <translation>Ouvrez un examen : Fichier ▸ Ouvrir un dossier (Ctrl+O), ou déposez des fichiers ici</translation>
    </message>
    <message>
        <source>Key image</source>
        <translation>Image clé</translation>
    </message>
    <message>
        <source>({n} marked, only these shown)</source>
        <translation>({n} marquée(s), seules celles-ci sont affichées)</translation>
    </message>
    <message>
        <source>Time {n}/{total}</source>
        <translation>Instant {n}/{total}</translation>
    </message>
    <message>
        <source>Measurements are made on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to measure</source>
        <translation>Les mesures se font sur les plans d&apos;acquisition : désactivez les reconstructions vraies et redressez le réticule oblique (Ctrl+Alt+0) pour mesurer</translation>
    </message>
    <message>
        <source>Segments are painted on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to paint</source>
        <translation>Les segments se peignent sur les plans d&apos;acquisition : désactivez les reconstructions vraies et redressez le réticule oblique (Ctrl+Alt+0) pour peindre</translation>
    </message>
    <message>
        <source>Segments are painted on one plane: turn off the thick slab to paint</source>
        <translation>Les segments se peignent sur un seul plan : désactivez la coupe épaisse pour peindre</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>No batch open</source>
        <translation>Aucun lot ouvert</translation>
    </message>
    <message>
        <source>Every status</source>
        <translation>Tous les états</translation>
    </message>
    <message>
        <source>Flagged or not</source>
        <translation>Signalées ou non</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>Signalées</translation>
    </message>
    <message>
        <source>Not flagged</source>
        <translation>Non signalées</translation>
    </message>
    <message>
        <source>from: any date</source>
        <translation>du : toute date</translation>
    </message>
    <message>
        <source>Studies dated from this day (the earliest date: any)</source>
        <translation>Examens datés à partir de ce jour (la date la plus ancienne : toutes)</translation>
    </message>
    <message>
        <source>until: any date</source>
        <translation>au : toute date</translation>
    </message>
    <message>
        <source>Studies dated until this day (the earliest date: any)</source>
        <translation>Examens datés jusqu&apos;à ce jour (la date la plus ancienne : toutes)</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Liste de travail</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Ouvrir</translation>
    </message>
    <message>
        <source>Open the study with its result (Enter or double click)</source>
        <translation>Ouvrir l&apos;examen avec son résultat (Entrée ou double-clic)</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lu</translation>
    </message>
    <message>
        <source>Mark as read, or not (R)</source>
        <translation>Marquer comme lu, ou non (R)</translation>
    </message>
    <message>
        <source>Agree</source>
        <translation>D&apos;accord</translation>
    </message>
    <message>
        <source>Agree with the AI&apos;s result (A)</source>
        <translation>D&apos;accord avec le résultat de l&apos;IA (A)</translation>
    </message>
    <message>
        <source>Disagree</source>
        <translation>Pas d&apos;accord</translation>
    </message>
    <message>
        <source>Disagree with the AI&apos;s result (D)</source>
        <translation>Pas d&apos;accord avec le résultat de l&apos;IA (D)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Read the batch and its threshold again</source>
        <translation>Relire le lot et son seuil</translation>
    </message>
    <message>
        <source>Batch {name}: reading…</source>
        <translation>Lot {name} : lecture…</translation>
    </message>
    <message>
        <source>Batch {name}</source>
        <translation>Lot {name}</translation>
    </message>
    <message>
        <source>Batch {name} · {pack} · {n} series ({done}) · {flagged} flagged</source>
        <translation>Lot {name} · {pack} · {n} séries ({done}) · {flagged} signalée(s)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucune</translation>
    </message>
    <message>
        <source>Threshold {threshold}</source>
        <translation>Seuil {threshold}</translation>
    </message>
    <message>
        <source>No series match these filters</source>
        <translation>Aucune série ne correspond à ces filtres</translation>
    </message>
    <message>
        <source>The mark was not kept: {error}</source>
        <translation>La marque n&apos;a pas été conservée : {error}</translation>
    </message>
    <message>
        <source>Finding the study&apos;s files…</source>
        <translation>Recherche des fichiers de l&apos;examen…</translation>
    </message>
    <message>
        <source>Opening the study…</source>
        <translation>Ouverture de l&apos;examen…</translation>
    </message>
    <message>
        <source>Another series of the study is shown: choose the batch&apos;s series in the browser</source>
        <translation>Une autre série de l&apos;examen est affichée : choisissez la série du lot dans le navigateur</translation>
    </message>
    <message>
        <source>The AI panel is not there to show the result</source>
        <translation>Le panneau IA n&apos;est pas là pour afficher le résultat</translation>
    </message>
</context>
</TS>
