<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es_ES" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Window/level</source>
        <extracomment>The keys of the CT window presets, in the order :func:`viewer.core.display.presets_for` lists them. The drawing and navigation tools: (tool, key, text). The texts (and those of the tables below) are English, marked for translation (:func:`viewer.qt.qt_i18n.noop`); the menus show them translated.</extracomment>
        <translation>Ventana/nivel</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Desplazar</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>Longitud</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>Ángulo</translation>
    </message>
    <message>
        <source>Ellipse ROI</source>
        <translation>ROI elíptica</translation>
    </message>
    <message>
        <source>Rectangle ROI</source>
        <translation>ROI rectangular</translation>
    </message>
    <message>
        <source>Freehand ROI</source>
        <translation>ROI a mano alzada</translation>
    </message>
    <message>
        <source>Window/level tool</source>
        <extracomment>What the shortcuts dialog says of the tools that are not drawn.</extracomment>
        <translation>Herramienta ventana/nivel</translation>
    </message>
    <message>
        <source>Pan tool</source>
        <translation>Herramienta de desplazamiento</translation>
    </message>
    <message>
        <source>Zoom tool</source>
        <translation>Herramienta de zoom</translation>
    </message>
    <message>
        <source>1x2 (side by side)</source>
        <extracomment>The layouts: (name, text, key).</extracomment>
        <translation>1x2 (lado a lado)</translation>
    </message>
    <message>
        <source>2x1 (one above the other)</source>
        <translation>2x1 (una sobre otra)</translation>
    </message>
    <message>
        <source>1x3 MPR (axial, coronal, sagittal)</source>
        <translation>1x3 MPR (axial, coronal, sagital)</translation>
    </message>
    <message>
        <source>CT Brain</source>
        <extracomment>The CT window presets&apos; menu texts and help, by preset name.</extracomment>
        <translation>TC Cerebro</translation>
    </message>
    <message>
        <source>CT window Brain</source>
        <translation>Ventana TC cerebro</translation>
    </message>
    <message>
        <source>CT Subdural</source>
        <translation>TC Subdural</translation>
    </message>
    <message>
        <source>CT window Subdural</source>
        <translation>Ventana TC subdural</translation>
    </message>
    <message>
        <source>CT Stroke</source>
        <translation>TC Ictus</translation>
    </message>
    <message>
        <source>CT window Stroke</source>
        <translation>Ventana TC ictus</translation>
    </message>
    <message>
        <source>CT Lung</source>
        <translation>TC Pulmón</translation>
    </message>
    <message>
        <source>CT window Lung</source>
        <translation>Ventana TC pulmón</translation>
    </message>
    <message>
        <source>CT Mediastinum</source>
        <translation>TC Mediastino</translation>
    </message>
    <message>
        <source>CT window Mediastinum</source>
        <translation>Ventana TC mediastino</translation>
    </message>
    <message>
        <source>CT Abdomen</source>
        <translation>TC Abdomen</translation>
    </message>
    <message>
        <source>CT window Abdomen</source>
        <translation>Ventana TC abdomen</translation>
    </message>
    <message>
        <source>CT Liver</source>
        <translation>TC Hígado</translation>
    </message>
    <message>
        <source>CT window Liver</source>
        <translation>Ventana TC hígado</translation>
    </message>
    <message>
        <source>CT Bone</source>
        <translation>TC Hueso</translation>
    </message>
    <message>
        <source>CT window Bone</source>
        <translation>Ventana TC hueso</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <extracomment>The menus&apos; titles, by their path in :attr:`ActionSpec.menu`.</extracomment>
        <translation>&amp;Archivo</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ver</translation>
    </message>
    <message>
        <source>&amp;Window</source>
        <translation>V&amp;entana</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Herramientas</translation>
    </message>
    <message>
        <source>&amp;Plugins</source>
        <translation>&amp;Complementos</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>A&amp;yuda</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>Disposición</translation>
    </message>
    <message>
        <source>Open &amp;folder…</source>
        <extracomment>Values filled into the help texts&apos; placeholders after translation.</extracomment>
        <translation>Abrir &amp;carpeta…</translation>
    </message>
    <message>
        <source>Open a folder</source>
        <translation>Abrir una carpeta</translation>
    </message>
    <message>
        <source>Open file, .zip or DICOMDIR…</source>
        <translation>Abrir archivo, .zip o DICOMDIR…</translation>
    </message>
    <message>
        <source>Open a file, .zip or DICOMDIR</source>
        <translation>Abrir un archivo, .zip o DICOMDIR</translation>
    </message>
    <message>
        <source>&amp;Import segmentation or structure set…</source>
        <translation>&amp;Importar segmentación o RT Structure Set…</translation>
    </message>
    <message>
        <source>Import a DICOM SEG or RT Structure Set onto the series</source>
        <translation>Importar un DICOM SEG o un RT Structure Set sobre la serie</translation>
    </message>
    <message>
        <source>Save &amp;report as DICOM SR…</source>
        <translation>Guardar el &amp;informe como DICOM SR…</translation>
    </message>
    <message>
        <source>Save the measurements and AI findings as a DICOM SR</source>
        <translation>Guardar las mediciones y los hallazgos de la IA como DICOM SR</translation>
    </message>
    <message>
        <source>Save &amp;key images (KOS)…</source>
        <translation>Guardar imágenes &amp;clave (KOS)…</translation>
    </message>
    <message>
        <source>Save the key images as a Key Object Selection (KOS)</source>
        <translation>Guardar las imágenes clave como Key Object Selection (KOS)</translation>
    </message>
    <message>
        <source>Save &amp;presentation state (GSPS)…</source>
        <translation>Guardar estado de &amp;presentación (GSPS)…</translation>
    </message>
    <message>
        <source>Export &amp;series (anonymised or as it is)…</source>
        <translation>Exportar &amp;serie (anonimizada o tal cual)…</translation>
    </message>
    <message>
        <source>&amp;Export view as PNG…</source>
        <translation>&amp;Exportar vista como PNG…</translation>
    </message>
    <message>
        <source>Export the view as PNG</source>
        <translation>Exportar la vista como PNG</translation>
    </message>
    <message>
        <source>DICOM &amp;tags…</source>
        <translation>&amp;Etiquetas DICOM…</translation>
    </message>
    <message>
        <source>DICOM tag browser</source>
        <translation>Explorador de etiquetas DICOM</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Salir</translation>
    </message>
    <message>
        <source>MPR layout (axial, coronal, sagittal)</source>
        <translation>Disposición MPR (axial, coronal, sagital)</translation>
    </message>
    <message>
        <source>Single view / MPR layout</source>
        <translation>Vista única / disposición MPR</translation>
    </message>
    <message>
        <source>Crosshair and reference lines</source>
        <translation>Cursor en cruz y líneas de referencia</translation>
    </message>
    <message>
        <source>Crosshair and reference lines (Shift+click moves it)</source>
        <translation>Cursor en cruz y líneas de referencia (Shift+clic lo mueve)</translation>
    </message>
    <message>
        <source>True reformats (oblique acquisitions)</source>
        <translation>Reconstrucciones verdaderas (adquisiciones oblicuas)</translation>
    </message>
    <message>
        <source>Turn the crosshair clockwise</source>
        <translation>Girar el cursor en cruz en sentido horario</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° clockwise (Ctrl+drag turns it too)</source>
        <translation>MPR oblicua: girar el cursor en cruz {step}° en sentido horario (Ctrl+arrastrar también lo gira)</translation>
    </message>
    <message>
        <source>Turn the crosshair anticlockwise</source>
        <translation>Girar el cursor en cruz en sentido antihorario</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° anticlockwise</source>
        <translation>MPR oblicua: girar el cursor en cruz {step}° en sentido antihorario</translation>
    </message>
    <message>
        <source>Straighten the crosshair</source>
        <translation>Enderezar el cursor en cruz</translation>
    </message>
    <message>
        <source>Oblique MPR: straighten the crosshair (the patient&apos;s planes again)</source>
        <translation>MPR oblicua: enderezar el cursor en cruz (de nuevo los planos del paciente)</translation>
    </message>
    <message>
        <source>Layout {layout}</source>
        <translation>Disposición {layout}</translation>
    </message>
    <message>
        <source>Compare with prior</source>
        <translation>Comparar con el previo</translation>
    </message>
    <message>
        <source>Compare with the prior study</source>
        <translation>Comparar con el estudio previo</translation>
    </message>
    <message>
        <source>Patient&apos;s other studies…</source>
        <translation>Otros estudios del paciente…</translation>
    </message>
    <message>
        <source>Presentation states…</source>
        <translation>Estados de presentación…</translation>
    </message>
    <message>
        <source>Synchronised scrolling</source>
        <translation>Desplazamiento sincronizado</translation>
    </message>
    <message>
        <source>Synchronised scrolling on / off</source>
        <translation>Desplazamiento sincronizado activado / desactivado</translation>
    </message>
    <message>
        <source>Resynchronise here</source>
        <translation>Resincronizar aquí</translation>
    </message>
    <message>
        <source>Resynchronise here: the slices shown stand against each other from now on</source>
        <translation>Resincronizar aquí: los cortes mostrados se corresponden a partir de ahora</translation>
    </message>
    <message>
        <source>Linked zoom and pan</source>
        <translation>Zoom y desplazamiento vinculados</translation>
    </message>
    <message>
        <source>Linked window/level</source>
        <translation>Ventana/nivel vinculados</translation>
    </message>
    <message>
        <source>Reference lines between viewports</source>
        <translation>Líneas de referencia entre visores</translation>
    </message>
    <message>
        <source>Apply hanging protocol</source>
        <translation>Aplicar protocolo de visualización</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol…</source>
        <translation>Guardar la disposición como protocolo de visualización…</translation>
    </message>
    <message>
        <source>Next slice</source>
        <translation>Corte siguiente</translation>
    </message>
    <message>
        <source>Previous slice</source>
        <translation>Corte anterior</translation>
    </message>
    <message>
        <source>Ten slices on</source>
        <translation>Diez cortes adelante</translation>
    </message>
    <message>
        <source>Ten slices back</source>
        <translation>Diez cortes atrás</translation>
    </message>
    <message>
        <source>First slice</source>
        <translation>Primer corte</translation>
    </message>
    <message>
        <source>Last slice</source>
        <translation>Último corte</translation>
    </message>
    <message>
        <source>Mark or unmark key image</source>
        <translation>Marcar o desmarcar imagen clave</translation>
    </message>
    <message>
        <source>Mark / unmark the image on screen as a key image</source>
        <translation>Marcar / desmarcar la imagen en pantalla como imagen clave</translation>
    </message>
    <message>
        <source>Key images only</source>
        <translation>Solo imágenes clave</translation>
    </message>
    <message>
        <source>Show only the key images</source>
        <translation>Mostrar solo las imágenes clave</translation>
    </message>
    <message>
        <source>Next time point</source>
        <translation>Punto temporal siguiente</translation>
    </message>
    <message>
        <source>Previous time point</source>
        <translation>Punto temporal anterior</translation>
    </message>
    <message>
        <source>Cine</source>
        <translation>Cine</translation>
    </message>
    <message>
        <source>Cine play / pause</source>
        <translation>Cine reproducir / pausa</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Invertir</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>Restablecer vista</translation>
    </message>
    <message>
        <source>Reset the view</source>
        <translation>Restablecer la vista</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>Ajustar a la ventana</translation>
    </message>
    <message>
        <source>Actual size (1:1)</source>
        <translation>Tamaño real (1:1)</translation>
    </message>
    <message>
        <source>Rotate left</source>
        <translation>Girar a la izquierda</translation>
    </message>
    <message>
        <source>Rotate right</source>
        <translation>Girar a la derecha</translation>
    </message>
    <message>
        <source>Flip horizontally</source>
        <translation>Voltear horizontalmente</translation>
    </message>
    <message>
        <source>Flip vertically</source>
        <translation>Voltear verticalmente</translation>
    </message>
    <message>
        <source>File&apos;s own window</source>
        <translation>Ventana del propio archivo</translation>
    </message>
    <message>
        <source>The file&apos;s own window</source>
        <translation>La ventana del propio archivo</translation>
    </message>
    <message>
        <source>&amp;Segment editor…</source>
        <translation>Editor de &amp;segmentos…</translation>
    </message>
    <message>
        <source>Segment editor: correct an AI result or a SEG with the brush, save as DICOM SEG</source>
        <translation>Editor de segmentos: corregir un resultado de la IA o un SEG con el pincel, guardar como DICOM SEG</translation>
    </message>
    <message>
        <source>Undo segment edit</source>
        <translation>Deshacer edición del segmento</translation>
    </message>
    <message>
        <source>Segment editor: undo</source>
        <translation>Editor de segmentos: deshacer</translation>
    </message>
    <message>
        <source>Redo segment edit</source>
        <translation>Rehacer edición del segmento</translation>
    </message>
    <message>
        <source>Segment editor: redo (Ctrl+Y too while editing)</source>
        <translation>Editor de segmentos: rehacer (también Ctrl+Y durante la edición)</translation>
    </message>
    <message>
        <source>Delete selected measurement</source>
        <translation>Eliminar la medición seleccionada</translation>
    </message>
    <message>
        <source>Delete the selected measurement</source>
        <translation>Eliminar la medición seleccionada</translation>
    </message>
    <message>
        <source>Stop drawing</source>
        <translation>Detener el trazado</translation>
    </message>
    <message>
        <source>Stop drawing, back to window/level</source>
        <translation>Detener el trazado, volver a ventana/nivel</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atajos de teclado</translation>
    </message>
    <message>
        <source>This help</source>
        <translation>Esta ayuda</translation>
    </message>
    <message>
        <source>Audit log…</source>
        <translation>Registro de auditoría…</translation>
    </message>
    <message>
        <source>Wheel</source>
        <extracomment>What the mouse does, and keys that are not menu actions, for the shortcuts dialog.</extracomment>
        <translation>Rueda</translation>
    </message>
    <message>
        <source>Previous / next slice</source>
        <translation>Corte anterior / siguiente</translation>
    </message>
    <message>
        <source>Ctrl+wheel, right drag</source>
        <translation>Ctrl+rueda, arrastrar con el botón derecho</translation>
    </message>
    <message>
        <source>Middle drag</source>
        <translation>Arrastrar con el botón central</translation>
    </message>
    <message>
        <source>Left drag</source>
        <translation>Arrastrar con el botón izquierdo</translation>
    </message>
    <message>
        <source>Active tool</source>
        <translation>Herramienta activa</translation>
    </message>
    <message>
        <source>Network: study store, PACS query/retrieve, receiver</source>
        <translation>Red: almacén de estudios, consulta/recuperación PACS, receptor</translation>
    </message>
    <message>
        <source>Studies</source>
        <extracomment>How long closing the window waits for cancelled jobs to end (ms). How long after the last change the measurements are kept (several quick changes: one write). The docks&apos; titles (the window knows a dock by its English title, :attr:`QtMainWindow.docks`; it shows it translated). The AI plugin&apos;s dock is among them.</extracomment>
        <translation>Estudios</translation>
    </message>
    <message>
        <source>Not shown</source>
        <translation>No mostrados</translation>
    </message>
    <message>
        <source>Measurements</source>
        <translation>Mediciones</translation>
    </message>
    <message>
        <source>Overlays</source>
        <translation>Superposiciones</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Red</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Editor de segmentos</translation>
    </message>
    <message>
        <source>AI</source>
        <extracomment>Menus that plugins add by name (:meth:`QtMainWindow.add_menu_action`), shown translated.</extracomment>
        <translation>IA</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Lista de trabajo</translation>
    </message>
    <message>
        <source>Run model</source>
        <translation>Ejecutar el modelo</translation>
    </message>
    <message>
        <source>Cancel AI job</source>
        <translation>Cancelar la tarea de IA</translation>
    </message>
    <message>
        <source>Explain result</source>
        <translation>Explicar el resultado</translation>
    </message>
    <message>
        <source>Install the selected pack…</source>
        <translation>Instalar el paquete seleccionado…</translation>
    </message>
    <message>
        <source>Open batch worklist…</source>
        <translation>Abrir la lista de trabajo por lotes…</translation>
    </message>
    <message>
        <source>Name</source>
        <extracomment>The viewer&apos;s setting that remembers the folder of offered packs the user chose. The catalogue&apos;s columns (shown translated).</extracomment>
        <translation>Nombre</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Ubicación</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Fecha</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Descripción</translation>
    </message>
    <message>
        <source>Modalities</source>
        <translation>Modalidades</translation>
    </message>
    <message>
        <source>opened folders</source>
        <extracomment>Characters of a description shown (the rest is cut, with &quot;...&quot;).</extracomment>
        <translation>carpetas abiertas</translation>
    </message>
    <message>
        <source>local store</source>
        <translation>almacén local</translation>
    </message>
    <message>
        <source>in the opened folders</source>
        <translation>en las carpetas abiertas</translation>
    </message>
    <message>
        <source>the local study store</source>
        <translation>el almacén local de estudios</translation>
    </message>
    <message>
        <source>on the PACS</source>
        <translation>en el PACS</translation>
    </message>
    <message>
        <source>{places} or {last}</source>
        <translation>{places} o {last}</translation>
    </message>
    <message>
        <source>No earlier study of this patient with a matching series was found {where}</source>
        <translation>No se encontró ningún estudio previo de este paciente con una serie correspondiente {where}</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Licencia</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Tamaño</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <source>Task</source>
        <extracomment>The model card&apos;s headings (:data:`ai.packs.card.CARD_FIELDS`, with the site threshold&apos;s) and the banner, marked for translation: the card shows them in the interface&apos;s language.</extracomment>
        <translation>Tarea</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Versión</translation>
    </message>
    <message>
        <source>Authors</source>
        <translation>Autores</translation>
    </message>
    <message>
        <source>Intended use</source>
        <translation>Uso previsto</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>Datos de entrenamiento</translation>
    </message>
    <message>
        <source>Published metrics</source>
        <translation>Métricas publicadas</translation>
    </message>
    <message>
        <source>Checked here</source>
        <translation>Verificado aquí</translation>
    </message>
    <message>
        <source>References</source>
        <translation>Referencias</translation>
    </message>
    <message>
        <source>Site threshold</source>
        <translation>Umbral del centro</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>no indicado</translation>
    </message>
    <message>
        <source>Not for diagnostic use</source>
        <translation>No apto para uso diagnóstico</translation>
    </message>
    <message>
        <source>bundled</source>
        <extracomment>The catalogue&apos;s words for where a pack is, its state and an unnamed group (:mod:`ai.packs.catalogue`), shown translated (:func:`_word`).</extracomment>
        <translation>incluido</translation>
    </message>
    <message>
        <source>installed</source>
        <translation>instalado</translation>
    </message>
    <message>
        <source>file</source>
        <translation>archivo</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>listo</translation>
    </message>
    <message>
        <source>needs trust</source>
        <translation>requiere confianza</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>rechazado</translation>
    </message>
    <message>
        <source>any</source>
        <translation>cualquier región</translation>
    </message>
    <message>
        <source>any modality</source>
        <translation>cualquier modalidad</translation>
    </message>
    <message>
        <source>input not checked against the training data</source>
        <extracomment>Shown for a result whose pack records no statistics of its training inputs (:data:`NOT_CHECKED`).</extracomment>
        <translation>entrada no verificada frente a los datos de entrenamiento</translation>
    </message>
    <message>
        <source>; </source>
        <extracomment>Between the findings of the input check (French puts a space before the semicolon).</extracomment>
        <translation>; </translation>
    </message>
    <message>
        <source>B</source>
        <extracomment>The units of a pack&apos;s size (:func:`viewer.core.files.format_size`&apos;s), shown translated (French: &quot;Mio&quot;).</extracomment>
        <translation>B</translation>
    </message>
    <message>
        <source>KiB</source>
        <translation>KiB</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>MiB</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Hora</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Usuario</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Evento</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Detalles</translation>
    </message>
    <message>
        <source>Open a series first: the hanging protocol is chosen by its modality, body part and description</source>
        <translation>Abra primero una serie: el protocolo de visualización se elige según su modalidad, región anatómica y descripción</translation>
    </message>
    <message>
        <source>No hanging protocol matches this series</source>
        <translation>Ningún protocolo de visualización corresponde a esta serie</translation>
    </message>
    <message>
        <source>Hanging protocol: no prior ({error})</source>
        <translation>Protocolo de visualización: sin estudio previo ({error})</translation>
    </message>
    <message>
        <source>Hanging protocol: {name}</source>
        <translation>Protocolo de visualización: {name}</translation>
    </message>
    <message>
        <source>Hanging protocol {name} saved in {path}</source>
        <translation>Protocolo de visualización {name} guardado en {path}</translation>
    </message>
    <message>
        <source>Open a series first: a hanging protocol is saved for its modality and body part</source>
        <translation>Abra primero una serie: un protocolo de visualización se guarda para su modalidad y región anatómica</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol</source>
        <translation>Guardar la disposición como protocolo de visualización</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Nombre:</translation>
    </message>
    <message>
        <source>This series has no true reformats (a projection image, a single image or colour)</source>
        <extracomment>Degrees one key press turns the crosshair.</extracomment>
        <translation>Esta serie no tiene reconstrucciones verdaderas (imagen de proyección, imagen única o en color)</translation>
    </message>
    <message>
        <source>True reformats: the patient&apos;s planes, resampled linearly</source>
        <translation>Reconstrucciones verdaderas: los planos del paciente, remuestreados linealmente</translation>
    </message>
    <message>
        <source>The crosshair turns on a volume&apos;s axial, coronal and sagittal views only</source>
        <translation>El cursor en cruz solo gira en las vistas axial, coronal y sagital de un volumen</translation>
    </message>
    <message>
        <source>undated</source>
        <extracomment>What the scan calls the objects read here (see viewer.core.dicom.scan.OBJECT_FAMILIES).</extracomment>
        <translation>sin fecha</translation>
    </message>
    <message>
        <source>{n} measurement(s) drawn from the study&apos;s reports</source>
        <translation>{n} medición(es) dibujada(s) a partir de los informes del estudio</translation>
    </message>
    <message>
        <source>{n} not drawn (no place on these images)</source>
        <translation>{n} sin dibujar (sin lugar en estas imágenes)</translation>
    </message>
    <message>
        <source>{n} presentation state(s) saved with this study: View ▸ Presentation states…</source>
        <translation>{n} estado(s) de presentación guardado(s) con este estudio: Ver ▸ Estados de presentación…</translation>
    </message>
    <message>
        <source>{n} presentation state(s) could not be read</source>
        <translation>{n} estado(s) de presentación no se pudieron leer</translation>
    </message>
    <message>
        <source>No presentation state was saved with this study for the series shown</source>
        <translation>No se guardó ningún estado de presentación con este estudio para la serie mostrada</translation>
    </message>
    <message>
        <source>{n} graphic(s) not drawn</source>
        <translation>{n} gráfico(s) sin dibujar</translation>
    </message>
    <message>
        <source>Presentation state {name} applied: {n} annotation(s)</source>
        <translation>Estado de presentación {name} aplicado: {n} anotación(es)</translation>
    </message>
    <message>
        <source>Save presentation state (GSPS)</source>
        <translation>Guardar estado de presentación (GSPS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Guardado: {path}</translation>
    </message>
    <message>
        <source>I trust where this pack came from</source>
        <translation>Confío en la procedencia de este paquete</translation>
    </message>
    <message>
        <source>Install pack…</source>
        <translation>Instalar paquete…</translation>
    </message>
    <message>
        <source>Install a model pack after reading who made it and its checksum</source>
        <translation>Instalar un paquete de modelo tras leer quién lo creó y su suma de verificación</translation>
    </message>
    <message>
        <source>From a .zip file…</source>
        <translation>Desde un archivo .zip…</translation>
    </message>
    <message>
        <source>From a folder…</source>
        <translation>Desde una carpeta…</translation>
    </message>
    <message>
        <source>List the packs of a folder in the catalogue…</source>
        <translation>Listar los paquetes de una carpeta en el catálogo…</translation>
    </message>
    <message>
        <source>A folder of model packs (.zip files or pack folders) to list in the catalogue</source>
        <translation>Una carpeta de paquetes de modelos (archivos .zip o carpetas de paquetes) para listar en el catálogo</translation>
    </message>
    <message>
        <source>Install a model pack from a folder</source>
        <translation>Instalar un paquete de modelo desde una carpeta</translation>
    </message>
    <message>
        <source>Install a model pack</source>
        <translation>Instalar un paquete de modelo</translation>
    </message>
    <message>
        <source>Model packs (*.zip)</source>
        <translation>Paquetes de modelos (*.zip)</translation>
    </message>
    <message>
        <source>AI: reading {name}</source>
        <translation>IA: leyendo {name}</translation>
    </message>
    <message>
        <source>Paint</source>
        <extracomment>How long after the last edit the statistics are recomputed (ms): strokes stay fast. What the algorithm of segments the reader changed is called in the saved SEG. The brush tools of the dock: (tool, button text, tooltip).</extracomment>
        <translation>Pintar</translation>
    </message>
    <message>
        <source>Paint the active segment with a round brush (left drag)</source>
        <translation>Pintar el segmento activo con un pincel redondo (arrastrar con el botón izquierdo)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Borrar</translation>
    </message>
    <message>
        <source>Erase the active segment with a round brush (left drag)</source>
        <translation>Borrar el segmento activo con un pincel redondo (arrastrar con el botón izquierdo)</translation>
    </message>
    <message>
        <source>Grow from click</source>
        <translation>Crecer desde un clic</translation>
    </message>
    <message>
        <source>Region growing: click a seed in a view</source>
        <translation>Crecimiento de región: haga clic en una semilla en una vista</translation>
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
        <translation>Sagital</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Segmento</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Bloqueo</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>Media</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Rango</translation>
    </message>
    <message>
        <source>Flag</source>
        <extracomment>The table&apos;s columns.</extracomment>
        <translation>Señal</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Puntuación</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Fecha del estudio</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalidad</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Leído</translation>
    </message>
    <message>
        <source>Opinion</source>
        <translation>Opinión</translation>
    </message>
    <message>
        <source>read</source>
        <extracomment>The mark of a flagged series, and its colour. The tint of a flagged row&apos;s other cells. How often the dock looks whether the batch changed (milliseconds). The earliest date of the date filters: shown as &quot;any&quot;. The keys of the reader&apos;s marks.</extracomment>
        <translation>leído</translation>
    </message>
</context>
<context>
    <name>AIPanel</name>
    <message>
        <source>Model packs (suited to this series first, marked ✓)</source>
        <translation>Paquetes de modelos (primero los adecuados a esta serie, marcados ✓)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Ejecutar</translation>
    </message>
    <message>
        <source>Run the selected model on this series (Ctrl+Shift+R)</source>
        <translation>Ejecutar el modelo seleccionado en esta serie (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Stop the AI job (Ctrl+Shift+X)</source>
        <translation>Detener la tarea de IA (Ctrl+Shift+X)</translation>
    </message>
    <message>
        <source>Install…</source>
        <translation>Instalar…</translation>
    </message>
    <message>
        <source>Install the selected pack from its file: it is checked first, and you are asked to trust it where it needs trust (Enter)</source>
        <translation>Instalar el paquete seleccionado desde su archivo: primero se verifica y se le pide confiar en él si lo necesita (Intro)</translation>
    </message>
    <message>
        <source>Device: looking…</source>
        <translation>Dispositivo: buscando…</translation>
    </message>
    <message>
        <source>Structure</source>
        <translation>Estructura</translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation>Volumen (mL)</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>Cortes</translation>
    </message>
    <message>
        <source>Left mL</source>
        <translation>Izquierda mL</translation>
    </message>
    <message>
        <source>Right mL</source>
        <translation>Derecha mL</translation>
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
        <translation>Volumetría</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Clase</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>Probabilidad</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>Explicar</translation>
    </message>
    <message>
        <source>Compute the attention map of the result (Ctrl+Shift+E)</source>
        <translation>Calcular el mapa de atención del resultado (Ctrl+Shift+E)</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>Atención</translation>
    </message>
    <message>
        <source>for</source>
        <translation>para</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Show a result saved earlier for this series</source>
        <translation>Mostrar un resultado guardado antes para esta serie</translation>
    </message>
    <message>
        <source>Earlier</source>
        <translation>Anteriores</translation>
    </message>
    <message>
        <source>Save result…</source>
        <translation>Guardar resultado…</translation>
    </message>
    <message>
        <source>Write result.json, labels, DICOM SEG and heatmap</source>
        <translation>Escribir result.json, las etiquetas, el DICOM SEG y el mapa de calor</translation>
    </message>
    <message>
        <source>Reading model packs…</source>
        <translation>Leyendo paquetes de modelos…</translation>
    </message>
    <message>
        <source>AI: reading model packs</source>
        <translation>IA: leyendo paquetes de modelos</translation>
    </message>
    <message>
        <source>Device: {device}</source>
        <translation>Dispositivo: {device}</translation>
    </message>
    <message>
        <source>No model pack named {name}</source>
        <translation>Ningún paquete de modelo llamado {name}</translation>
    </message>
    <message>
        <source>AI: reading a saved result</source>
        <translation>IA: leyendo un resultado guardado</translation>
    </message>
    <message>
        <source>{name} is offered as a file and not installed: choose Install… (it is checked first)</source>
        <translation>{name} se ofrece como archivo y no está instalado: elija Instalar… (primero se verifica)</translation>
    </message>
    <message>
        <source>{n} pack</source>
        <translation>{n} paquete</translation>
    </message>
    <message>
        <source>{n} packs</source>
        <translation>{n} paquetes</translation>
    </message>
    <message>
        <source>{n} suited</source>
        <translation>{n} adecuado(s)</translation>
    </message>
    <message>
        <source>no checksums: its files cannot be verified</source>
        <translation>sin sumas de verificación: sus archivos no se pueden verificar</translation>
    </message>
    <message>
        <source>suits this series</source>
        <translation>adecuado para esta serie</translation>
    </message>
    <message>
        <source>(the full text is in the model card)</source>
        <translation>(el texto completo está en la ficha del modelo)</translation>
    </message>
    <message>
        <source>unpacks to {size}</source>
        <translation>se descomprime en {size}</translation>
    </message>
    <message>
        <source>offered as a file, not installed (Install… checks it first)</source>
        <translation>ofrecido como archivo, no instalado (Instalar… lo verifica primero)</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>verificada</translation>
    </message>
    <message>
        <source>Checksum {checksum}… ({state})</source>
        <translation>Suma de verificación {checksum}… ({state})</translation>
    </message>
    <message>
        <source>AI: reading the offered packs</source>
        <translation>IA: leyendo los paquetes ofrecidos</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed</source>
        <translation>Cancelado; no se cambió nada</translation>
    </message>
    <message>
        <source>{n} waiting: {names}</source>
        <translation>{n} en espera: {names}</translation>
    </message>
    <message>
        <source>about {seconds} s left</source>
        <translation>quedan unos {seconds} s</translation>
    </message>
    <message>
        <source>the model failed ({error}): {message}</source>
        <translation>el modelo falló ({error}): {message}</translation>
    </message>
    <message>
        <source>not enough memory for this model: {message}</source>
        <translation>memoria insuficiente para este modelo: {message}</translation>
    </message>
    <message>
        <source>AI: {message}</source>
        <translation>IA: {message}</translation>
    </message>
    <message>
        <source>AI: showing the saved result of {pack}</source>
        <translation>IA: mostrando el resultado guardado de {pack}</translation>
    </message>
    <message>
        <source>AI: {pack} finished on {device} in {seconds} s</source>
        <translation>IA: {pack} terminado en {device} en {seconds} s</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>no indicado</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>desconocido</translation>
    </message>
    <message>
        <source>Volumetry: intracranial volume {icv} (from {source})</source>
        <translation>Volumetría: volumen intracraneal {icv} (según {source})</translation>
    </message>
    <message>
        <source>AI {pack}</source>
        <translation>IA {pack}</translation>
    </message>
    <message>
        <source>{n} structures</source>
        <translation>{n} estructuras</translation>
    </message>
    <message>
        <source>out of distribution</source>
        <translation>fuera de distribución</translation>
    </message>
    <message>
        <source>not for diagnostic use</source>
        <translation>no apto para uso diagnóstico</translation>
    </message>
    <message>
        <source>a picture that is not a DICOM series has no study folder to save beside</source>
        <translation>una imagen que no es una serie DICOM no tiene carpeta de estudio junto a la cual guardar</translation>
    </message>
    <message>
        <source>(no SEG: {error})</source>
        <translation>(sin SEG: {error})</translation>
    </message>
    <message>
        <source>AI result saved in {folder}</source>
        <translation>Resultado de la IA guardado en {folder}</translation>
    </message>
    <message>
        <source>could not save the result: {error}</source>
        <translation>no se pudo guardar el resultado: {error}</translation>
    </message>
</context>
<context>
    <name>Card</name>
    <message>
        <source>none: the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <extracomment>(field shown, metadata keys tried in order) The translation context of the &quot;Site threshold&quot; row (written out in the call: lupdate reads literals).</extracomment>
        <translation>ninguno: umbral propio del paquete {own}. Un umbral del centro solo es válido para esta versión (suma de verificación {checksum}): una nueva versión del paquete necesita su propia calibración (outpost batch calibrate).</translation>
    </message>
    <message>
        <source>{threshold}, from {source}; the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <translation>{threshold}, de {source}; umbral propio del paquete {own}. Un umbral del centro solo es válido para esta versión (suma de verificación {checksum}): una nueva versión del paquete necesita su propia calibración (outpost batch calibrate).</translation>
    </message>
</context>
<context>
    <name>CatalogueTree</name>
    <message>
        <source>Model pack catalogue</source>
        <extracomment>How much of a licence a tooltip shows (the card shows it all). How wide the catalogue asks to be (pixels): its columns, and no more of the views&apos; room. The narrowest the name column gets when the columns are fitted to the catalogue&apos;s width.</extracomment>
        <translation>Catálogo de paquetes de modelos</translation>
    </message>
</context>
<context>
    <name>Input</name>
    <message>
        <source>{pack} is made for {modalities} images; this series is of unknown modality</source>
        <extracomment>The translation context of the sentences below (written out in each call: lupdate reads literals). Spacing further than this factor outside the training range is out of distribution. Intensities further than this fraction of the training range outside it are out of distribution. What a pack that records no statistics of its training inputs is shown as.</extracomment>
        <translation>{pack} está hecho para imágenes {modalities}; la modalidad de esta serie es desconocida</translation>
    </message>
    <message>
        <source>{pack} is made for {modalities} images; this series is {modality}</source>
        <translation>{pack} está hecho para imágenes {modalities}; esta serie es de modalidad {modality}</translation>
    </message>
    <message>
        <source>{pack} is made for {body_parts}; this series shows {body_part}</source>
        <translation>{pack} está hecho para la región {body_parts}; esta serie muestra la región {body_part}</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is colour</source>
        <translation>{pack} requiere un único volumen en escala de grises; esta serie es en color</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is a time series</source>
        <translation>{pack} requiere un único volumen en escala de grises; esta serie es una serie temporal</translation>
    </message>
    <message>
        <source>{pack} is a 2-D model for single images; this series has {slices} slices</source>
        <translation>{pack} es un modelo 2D para imágenes únicas; esta serie tiene {slices} cortes</translation>
    </message>
    <message>
        <source>{pack} is a 3-D model; this series is a single image</source>
        <translation>{pack} es un modelo 3D; esta serie es una única imagen</translation>
    </message>
    <message>
        <source>this series ({shape}) is smaller than {pack} needs ({minimum})</source>
        <translation>esta serie ({shape}) es más pequeña de lo que necesita {pack} ({minimum})</translation>
    </message>
    <message>
        <source>unsuitable: {reason}</source>
        <translation>no adecuado: {reason}</translation>
    </message>
    <message>
        <source>photometric interpretation {photometric}, trained on {trained}</source>
        <translation>interpretación fotométrica {photometric}, entrenado con {trained}</translation>
    </message>
    <message>
        <source>view {view}, trained on {trained}</source>
        <translation>proyección {view}, entrenado con {trained}</translation>
    </message>
    <message>
        <source>{what} {value} mm, trained on {trained} mm</source>
        <translation>{what} {value} mm, entrenado con {trained} mm</translation>
    </message>
    <message>
        <source>modality {modality}, trained on {trained}</source>
        <translation>modalidad {modality}, entrenado con {trained}</translation>
    </message>
    <message>
        <source>modality unknown, trained on {trained}</source>
        <translation>modalidad desconocida, entrenado con {trained}</translation>
    </message>
    <message>
        <source>{photometric} (inverted), trained on {trained}</source>
        <translation>{photometric} (invertido), entrenado con {trained}</translation>
    </message>
    <message>
        <source>{photometric}, trained on {trained}</source>
        <translation>{photometric}, entrenado con {trained}</translation>
    </message>
    <message>
        <source>bits stored {bits}, the model was trained on {trained}-bit images</source>
        <translation>bits almacenados {bits}, el modelo se entrenó con imágenes de {trained} bits</translation>
    </message>
    <message>
        <source>intensities {first} to {last} (1st-99th percentile), trained on {low} to {high}</source>
        <translation>intensidades de {first} a {last} (percentil 1-99), entrenado con {low} a {high}</translation>
    </message>
    <message>
        <source>pixel spacing</source>
        <translation>espaciado de píxeles</translation>
    </message>
    <message>
        <source>slice spacing</source>
        <translation>espaciado entre cortes</translation>
    </message>
    <message>
        <source>pixel spacing ({axis})</source>
        <translation>espaciado de píxeles ({axis})</translation>
    </message>
    <message>
        <source>Out of distribution: {warnings}</source>
        <translation>Fuera de distribución: {warnings}</translation>
    </message>
    <message>
        <source>input not checked against the training data (the pack records no statistics of its training inputs)</source>
        <translation>entrada no verificada frente a los datos de entrenamiento (el paquete no registra estadísticas de sus datos de entrenamiento)</translation>
    </message>
    <message>
        <source>input checked against the training data: nothing differs</source>
        <translation>entrada verificada frente a los datos de entrenamiento: no hay diferencias</translation>
    </message>
    <message>
        <source>intensity: the median {median} lies outside the training range {low} to {high} (1st-99th percentile)</source>
        <translation>intensidad: la mediana {median} está fuera del rango de entrenamiento {low} a {high} (percentil 1-99)</translation>
    </message>
    <message>
        <source>intensity: nothing above {threshold}, where the training data had its body</source>
        <translation>intensidad: nada por encima de {threshold}, donde estaba el cuerpo en los datos de entrenamiento</translation>
    </message>
    <message>
        <source>intensity: the mean above {threshold} is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensidad: la media por encima de {threshold} es {mean}, la de los datos de entrenamiento {trained} (a más de 3 desviaciones estándar)</translation>
    </message>
    <message>
        <source>intensity: the mean is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensidad: la media es {mean}, la de los datos de entrenamiento {trained} (a más de 3 desviaciones estándar)</translation>
    </message>
</context>
<context>
    <name>QPackInstallDialog</name>
    <message>
        <source>Install pack: {name}</source>
        <translation>Instalar paquete: {name}</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Instalar</translation>
    </message>
    <message>
        <source>Cannot be installed: {reason}</source>
        <translation>No se puede instalar: {reason}</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Instalando…</translation>
    </message>
    <message>
        <source>AI: installing {name}</source>
        <translation>IA: instalando {name}</translation>
    </message>
    <message>
        <source>Installed {name} {version}</source>
        <translation>{name} {version} instalado</translation>
    </message>
    <message>
        <source>Not installed: {error}</source>
        <translation>No instalado: {error}</translation>
    </message>
</context>
<context>
    <name>QtAuditDialog</name>
    <message>
        <source>Audit log</source>
        <translation>Registro de auditoría</translation>
    </message>
    <message>
        <source>Filter: event, user, UID, pack, node…</source>
        <translation>Filtro: evento, usuario, UID, paquete, nodo…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualizar</translation>
    </message>
</context>
<context>
    <name>QtExportDialog</name>
    <message>
        <source>Export series</source>
        <translation>Exportar serie</translation>
    </message>
    <message>
        <source>a new or empty folder</source>
        <translation>una carpeta nueva o vacía</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Elegir…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Carpeta</translation>
    </message>
    <message>
        <source>Anonymise (DICOM PS3.15 basic profile)</source>
        <translation>Anonimizar (perfil básico DICOM PS3.15)</translation>
    </message>
    <message>
        <source>Shift dates instead of removing them, by (days)</source>
        <translation>Desplazar las fechas en lugar de eliminarlas, en (días)</translation>
    </message>
    <message>
        <source>New patient name</source>
        <translation>Nuevo nombre del paciente</translation>
    </message>
    <message>
        <source>New patient ID</source>
        <translation>Nuevo ID del paciente</translation>
    </message>
    <message>
        <source>Press Review to see what will be removed before anything is written.</source>
        <translation>Pulse Revisar para ver qué se eliminará antes de escribir nada.</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Revisar</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>Escribir</translation>
    </message>
    <message>
        <source>Export into a new or empty folder</source>
        <translation>Exportar a una carpeta nueva o vacía</translation>
    </message>
    <message>
        <source>{n} file(s) will be copied unchanged.</source>
        <translation>{n} archivo(s) se copiarán sin cambios.</translation>
    </message>
    <message>
        <source>Reading the files…</source>
        <translation>Leyendo los archivos…</translation>
    </message>
    <message>
        <source>Cannot anonymise: {error}</source>
        <translation>No se puede anonimizar: {error}</translation>
    </message>
    <message>
        <source>Choose a folder first.</source>
        <translation>Elija primero una carpeta.</translation>
    </message>
    <message>
        <source>Export failed: {error}</source>
        <translation>Error en la exportación: {error}</translation>
    </message>
    <message>
        <source>Exported {n} file(s) into {folder}</source>
        <translation>{n} archivo(s) exportado(s) a {folder}</translation>
    </message>
</context>
<context>
    <name>QtMainWindow</name>
    <message>
        <source>Cancel</source>
        <extracomment>The files the annotations shown came from: ``(overlay, path)``, for the segment editor. What plugins said about the overlays they added: ``(overlay, provenance)``.</extracomment>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Recent studies</source>
        <extracomment>The top-level menus by their English names (plugins name them so, :meth:`add_menu_action`).</extracomment>
        <translation>Estudios recientes</translation>
    </message>
    <message>
        <source>File windows and VOI LUT</source>
        <translation>Ventanas del archivo y VOI LUT</translation>
    </message>
    <message>
        <source>Network: study store, PACS, receiver</source>
        <translation>Red: almacén de estudios, PACS, receptor</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Herramientas</translation>
    </message>
    <message>
        <source>Cine fps</source>
        <translation>Cine fps</translation>
    </message>
    <message>
        <source>Slab</source>
        <translation>Corte grueso</translation>
    </message>
    <message>
        <source>Thick slab: maximum (MIP), minimum (MinIP) or mean intensity over the thickness, in every view</source>
        <translation>Corte grueso: intensidad máxima (MIP), mínima (MinIP) o media en el espesor, en cada vista</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Desactivado</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Idioma del sistema</translation>
    </message>
    <message>
        <source>The language will change when Outpost is started again</source>
        <translation>El idioma cambiará cuando Outpost se inicie de nuevo</translation>
    </message>
    <message>
        <source>Nothing to undo: no segmentation is being edited</source>
        <translation>Nada que deshacer: no se está editando ninguna segmentación</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>cargado</translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation>error: {error}</translation>
    </message>
    <message>
        <source>Plugin {name} was skipped: {error}</source>
        <translation>Se omitió el complemento {name}: {error}</translation>
    </message>
    <message>
        <source>No plugins installed</source>
        <translation>Ningún complemento instalado</translation>
    </message>
    <message>
        <source>Reading headers…</source>
        <translation>Leyendo encabezados…</translation>
    </message>
    <message>
        <source>Cannot show this series: {error}</source>
        <translation>No se puede mostrar esta serie: {error}</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>Carga cancelada</translation>
    </message>
    <message>
        <source>Not shown ({n})</source>
        <translation>No mostrados ({n})</translation>
    </message>
    <message>
        <source>No images found in what was opened</source>
        <translation>No se encontraron imágenes en lo que se abrió</translation>
    </message>
    <message>
        <source>Loading stopped: {error}</source>
        <translation>Carga detenida: {error}</translation>
    </message>
    <message>
        <source>Loaded</source>
        <translation>Cargado</translation>
    </message>
    <message>
        <source>Showing {n} annotation layer(s): {names}</source>
        <translation>Mostrando {n} capa(s) de anotación: {names}</translation>
    </message>
    <message>
        <source>({n} edited since: hidden, tick it in Overlays)</source>
        <translation>({n} editada(s) desde entonces: oculta(s), márquela en Superposiciones)</translation>
    </message>
    <message>
        <source>Not shown: {problems}</source>
        <translation>No mostrado: {problems}</translation>
    </message>
    <message>
        <source>Annotations: {error}</source>
        <translation>Anotaciones: {error}</translation>
    </message>
    <message>
        <source>Window {number}: W {width} / L {center}</source>
        <translation>Ventana {number}: A {width} / N {center}</translation>
    </message>
    <message>
        <source>Measurements not kept: {error}</source>
        <translation>Mediciones no conservadas: {error}</translation>
    </message>
    <message>
        <source>{n} measurement(s) kept from the last reading shown</source>
        <translation>{n} medición(es) conservada(s) de la última lectura mostrada(s)</translation>
    </message>
    <message>
        <source>Open a series first: its prior is looked for by the patient&apos;s ID</source>
        <translation>Abra primero una serie: su estudio previo se busca por el ID del paciente</translation>
    </message>
    <message>
        <source>Scrolling synchronised from the slices shown</source>
        <translation>Desplazamiento sincronizado a partir de los cortes mostrados</translation>
    </message>
    <message>
        <source>Open a folder of DICOM files</source>
        <translation>Abrir una carpeta de archivos DICOM</translation>
    </message>
    <message>
        <source>Open a DICOM file, .zip or DICOMDIR</source>
        <translation>Abrir un archivo DICOM, .zip o DICOMDIR</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation or structure set is shown on its images</source>
        <translation>Abra primero una serie: una segmentación o un RT Structure Set se muestra sobre sus imágenes</translation>
    </message>
    <message>
        <source>Import DICOM SEG or RT Structure Set</source>
        <translation>Importar DICOM SEG o RT Structure Set</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Abra primero una serie</translation>
    </message>
    <message>
        <source>Image {n} marked; {count} key image(s)</source>
        <translation>Imagen {n} marcada; {count} imagen(es) clave</translation>
    </message>
    <message>
        <source>Image {n} unmarked; {count} key image(s)</source>
        <translation>Imagen {n} desmarcada; {count} imagen(es) clave</translation>
    </message>
    <message>
        <source>No key image is marked (K marks the image on screen)</source>
        <translation>No hay ninguna imagen clave marcada (K marca la imagen en pantalla)</translation>
    </message>
    <message>
        <source>{n} key image(s) from the study&apos;s key object selection; Shift+K shows only them</source>
        <translation>{n} imagen(es) clave de la Key Object Selection del estudio; Shift+K muestra solo esas</translation>
    </message>
    <message>
        <source>Save key images (KOS)</source>
        <translation>Guardar imágenes clave (KOS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Guardado: {path}</translation>
    </message>
    <message>
        <source>Save report as DICOM SR</source>
        <translation>Guardar el informe como DICOM SR</translation>
    </message>
    <message>
        <source>Export view as PNG</source>
        <translation>Exportar vista como PNG</translation>
    </message>
</context>
<context>
    <name>QtMeasurementPanel</name>
    <message>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <source>Plane</source>
        <translation>Plano</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Eliminar</translation>
    </message>
</context>
<context>
    <name>QtNetworkPanel</name>
    <message>
        <source>Local study store</source>
        <translation>Almacén local de estudios</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Fecha</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Paciente</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalidad</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Series</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Imágenes</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Tamaño</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Descripción</translation>
    </message>
    <message>
        <source>Not opened yet</source>
        <translation>Aún no abierto</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualizar</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>Importar carpeta…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Eliminar</translation>
    </message>
    <message>
        <source>{n} studies, {size} in {folder}</source>
        <translation>{n} estudios, {size} en {folder}</translation>
    </message>
    <message>
        <source>Import a folder, CD or USB stick into the store</source>
        <translation>Importar una carpeta, un CD o una memoria USB al almacén</translation>
    </message>
    <message>
        <source>import</source>
        <translation>importación</translation>
    </message>
    <message>
        <source>Delete study</source>
        <translation>Eliminar estudio</translation>
    </message>
    <message>
        <source>Delete this study from the local store? Its files are removed from this computer.</source>
        <translation>¿Eliminar este estudio del almacén local? Sus archivos se borrarán de este equipo.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Añadir…</translation>
    </message>
    <message>
        <source>Add a node as AET@host:port</source>
        <translation>Añadir un nodo como AET@host:puerto</translation>
    </message>
    <message>
        <source>Echo</source>
        <translation>Eco</translation>
    </message>
    <message>
        <source>Check the node answers (C-ECHO)</source>
        <translation>Comprobar que el nodo responde (C-ECHO)</translation>
    </message>
    <message>
        <source>YYYYMMDD, or YYYYMMDD-YYYYMMDD</source>
        <translation>AAAAMMDD, o AAAAMMDD-AAAAMMDD</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>Nombre del paciente</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>ID del paciente</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Fecha del estudio</translation>
    </message>
    <message>
        <source>Accession</source>
        <translation>N.º de acceso</translation>
    </message>
    <message>
        <source>C-MOVE needs the PACS to know this computer&apos;s receiver; WADO-RS needs the node&apos;s DICOMweb address</source>
        <translation>C-MOVE requiere que el PACS conozca el receptor de este equipo; WADO-RS requiere la dirección DICOMweb del nodo</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Buscar</translation>
    </message>
    <message>
        <source>Retrieve</source>
        <translation>Recuperar</translation>
    </message>
    <message>
        <source>Send series shown</source>
        <translation>Enviar la serie mostrada</translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation>Enviar archivos…</translation>
    </message>
    <message>
        <source>Add a DICOM node</source>
        <translation>Añadir un nodo DICOM</translation>
    </message>
    <message>
        <source>AE title@host:port</source>
        <translation>Título AE@host:puerto</translation>
    </message>
    <message>
        <source>{name} cancelled</source>
        <translation>{name} cancelado</translation>
    </message>
    <message>
        <source>echo</source>
        <translation>eco</translation>
    </message>
    <message>
        <source>The node answered in {ms} ms</source>
        <translation>El nodo respondió en {ms} ms</translation>
    </message>
    <message>
        <source>search</source>
        <translation>búsqueda</translation>
    </message>
    <message>
        <source>{n} studies found</source>
        <translation>{n} estudios encontrados</translation>
    </message>
    <message>
        <source>Retrieved {n} images ({new} new)</source>
        <translation>{n} imágenes recuperadas ({new} nuevas)</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} fallidas</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Abra primero una serie</translation>
    </message>
    <message>
        <source>Send DICOM files (e.g. a SEG or SR Outpost made)</source>
        <translation>Enviar archivos DICOM (p. ej., un SEG o SR creado por Outpost)</translation>
    </message>
    <message>
        <source>send</source>
        <translation>envío</translation>
    </message>
    <message>
        <source>{n} refused: {reason}</source>
        <translation>{n} rechazado(s): {reason}</translation>
    </message>
    <message>
        <source>Sent {n} images</source>
        <translation>{n} imágenes enviadas</translation>
    </message>
    <message>
        <source>Receive from modalities (storage SCP)</source>
        <translation>Recibir de las modalidades (SCP de almacenamiento)</translation>
    </message>
    <message>
        <source>On</source>
        <translation>Activado</translation>
    </message>
    <message>
        <source>Off by default: when on, this computer accepts DICOM images sent to it</source>
        <translation>Desactivado por defecto: activado, este equipo acepta las imágenes DICOM que se le envían</translation>
    </message>
    <message>
        <source>AE title</source>
        <translation>Título AE</translation>
    </message>
    <message>
        <source>port</source>
        <translation>puerto</translation>
    </message>
    <message>
        <source>anyone (or e.g. CT1@10.0.0.5, MR2)</source>
        <translation>cualquiera (o p. ej. CT1@10.0.0.5, MR2)</translation>
    </message>
    <message>
        <source>Calling AE titles allowed to send, each optionally @ an IP address or network; everyone else is refused. Saved in pacs.json.</source>
        <translation>Títulos AE llamantes autorizados a enviar, cada uno opcionalmente @ una dirección IP o red; todos los demás se rechazan. Guardado en pacs.json.</translation>
    </message>
    <message>
        <source>Allowed callers</source>
        <translation>Llamantes permitidos</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Desactivado</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}, from {callers}</source>
        <translation>Escuchando como {ae} en {host}:{port}, desde {callers}</translation>
    </message>
    <message>
        <source>(other content under a stored UID: kept apart)</source>
        <translation>(otro contenido con un UID ya almacenado: guardado aparte)</translation>
    </message>
    <message>
        <source>(already stored)</source>
        <translation>(ya almacenado)</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}; {n} received</source>
        <translation>Escuchando como {ae} en {host}:{port}; {n} recibido(s)</translation>
    </message>
</context>
<context>
    <name>QtOverlayPanel</name>
    <message>
        <source>Outline only</source>
        <translation>Solo contorno</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>Opacidad</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Etiqueta</translation>
    </message>
    <message>
        <source>Colour map</source>
        <translation>Mapa de color</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>Umbral</translation>
    </message>
</context>
<context>
    <name>QtPatientStudies</name>
    <message>
        <source>Patient&apos;s other studies</source>
        <translation>Otros estudios del paciente</translation>
    </message>
    <message>
        <source>Open beside</source>
        <translation>Abrir al lado</translation>
    </message>
    <message>
        <source>Show the study&apos;s best matching series beside the current one (retrieved first when it is on the PACS)</source>
        <translation>Mostrar la serie más parecida del estudio junto a la actual (se recupera primero si está en el PACS)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualizar</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cerrar</translation>
    </message>
    <message>
        <source>Open a series first: the patient&apos;s studies are looked for by the patient&apos;s ID</source>
        <translation>Abra primero una serie: los estudios del paciente se buscan por el ID del paciente</translation>
    </message>
    <message>
        <source>Looking on {node} too…</source>
        <translation>Buscando también en {node}…</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>Buscando…</translation>
    </message>
    <message>
        <source>no date</source>
        <translation>sin fecha</translation>
    </message>
    <message>
        <source>1 other study</source>
        <translation>1 estudio más</translation>
    </message>
    <message>
        <source>{n} other studies</source>
        <translation>{n} estudios más</translation>
    </message>
    <message>
        <source>Retrieving from the PACS…</source>
        <translation>Recuperando del PACS…</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Abriendo…</translation>
    </message>
    <message>
        <source>Shown beside: {series}</source>
        <translation>Mostrada al lado: {series}</translation>
    </message>
</context>
<context>
    <name>QtPresentationChooser</name>
    <message>
        <source>Presentation states</source>
        <translation>Estados de presentación</translation>
    </message>
    <message>
        <source>None: the images as stored, measurements as read</source>
        <translation>Ninguno: las imágenes tal como se guardaron, las mediciones tal como se leyeron</translation>
    </message>
    <message>
        <source>Saved with this study for the series shown:</source>
        <translation>Guardados con este estudio para la serie mostrada:</translation>
    </message>
</context>
<context>
    <name>QtSegmentEditor</name>
    <message>
        <source>Segmentation</source>
        <translation>Segmentación</translation>
    </message>
    <message>
        <source>The AI result or DICOM SEG to correct, or a new empty segmentation. It is never changed: editing makes a new segmentation.</source>
        <translation>El resultado de la IA o el DICOM SEG a corregir, o una nueva segmentación vacía. Nunca se modifica: la edición crea una nueva segmentación.</translation>
    </message>
    <message>
        <source>Start editing</source>
        <translation>Empezar a editar</translation>
    </message>
    <message>
        <source>Stop editing</source>
        <translation>Dejar de editar</translation>
    </message>
    <message>
        <source>Start from</source>
        <translation>Partir de</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>Segmentos</translation>
    </message>
    <message>
        <source>Click a row to paint into that segment; double-click a name to rename it and the colour to change it</source>
        <translation>Haga clic en una fila para pintar en ese segmento; doble clic en un nombre para renombrarlo y en el color para cambiarlo</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Añadir</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Color…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Quitar</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Pincel</translation>
    </message>
    <message>
        <source>Sphere (3-D)</source>
        <translation>Esfera (3D)</translation>
    </message>
    <message>
        <source>Paint a ball through the neighbouring slices, not a disc on the plane</source>
        <translation>Pintar una esfera a través de los cortes vecinos, no un disco en el plano</translation>
    </message>
    <message>
        <source>Radius</source>
        <translation>Radio</translation>
    </message>
    <message>
        <source>Only voxels in the intensity range</source>
        <translation>Solo los vóxeles en el rango de intensidad</translation>
    </message>
    <message>
        <source>Intensity range, threshold and region growing</source>
        <translation>Rango de intensidad, umbral y crecimiento de región</translation>
    </message>
    <message>
        <source>to</source>
        <translation>a</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Rango</translation>
    </message>
    <message>
        <source>Threshold into the active segment</source>
        <translation>Umbralizar en el segmento activo</translation>
    </message>
    <message>
        <source>Connected (the range)</source>
        <translation>Conectado (el rango)</translation>
    </message>
    <message>
        <source>Confidence connected (× SD)</source>
        <translation>Conectado por confianza (× DE)</translation>
    </message>
    <message>
        <source>Growing</source>
        <translation>Crecimiento</translation>
    </message>
    <message>
        <source>Multiplier</source>
        <translation>Multiplicador</translation>
    </message>
    <message>
        <source>Operations on the active segment</source>
        <translation>Operaciones sobre el segmento activo</translation>
    </message>
    <message>
        <source>Fill between slices</source>
        <translation>Rellenar entre cortes</translation>
    </message>
    <message>
        <source>Keep largest island</source>
        <translation>Conservar la isla mayor</translation>
    </message>
    <message>
        <source>Remove islands under</source>
        <translation>Quitar las islas menores de</translation>
    </message>
    <message>
        <source>Median</source>
        <translation>Mediana</translation>
    </message>
    <message>
        <source>Closing (fill gaps)</source>
        <translation>Cierre (rellenar huecos)</translation>
    </message>
    <message>
        <source>Smooth</source>
        <translation>Suavizar</translation>
    </message>
    <message>
        <source>Union with</source>
        <translation>Unión con</translation>
    </message>
    <message>
        <source>Subtract</source>
        <translation>Restar</translation>
    </message>
    <message>
        <source>Intersect with</source>
        <translation>Intersecar con</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Aplicar</translation>
    </message>
    <message>
        <source>History and saving</source>
        <translation>Historial y guardado</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Deshacer</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Rehacer</translation>
    </message>
    <message>
        <source>Ctrl+Y or Ctrl+Shift+Z</source>
        <translation>Ctrl+Y o Ctrl+Shift+Z</translation>
    </message>
    <message>
        <source>Save as DICOM SEG</source>
        <translation>Guardar como DICOM SEG</translation>
    </message>
    <message>
        <source>A new SEG series beside the study, referencing its images and the segmentation the editing started from</source>
        <translation>Una nueva serie SEG junto al estudio, que referencia sus imágenes y la segmentación de partida de la edición</translation>
    </message>
    <message>
        <source>Empty segmentation</source>
        <translation>Segmentación vacía</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation is edited on its images</source>
        <translation>Abra primero una serie: una segmentación se edita sobre sus imágenes</translation>
    </message>
    <message>
        <source>Cannot edit {name}: {error}</source>
        <translation>No se puede editar {name}: {error}</translation>
    </message>
    <message>
        <source>{n} voxel(s) lay in more than one segment: each now belongs to the higher-numbered one</source>
        <translation>{n} vóxel(es) estaban en más de un segmento: cada uno pertenece ahora al de número más alto</translation>
    </message>
    <message>
        <source>Editing {name}: choose a segment and a tool</source>
        <translation>Editando {name}: elija un segmento y una herramienta</translation>
    </message>
    <message>
        <source>a new segmentation</source>
        <translation>una nueva segmentación</translation>
    </message>
    <message>
        <source>A new segmentation</source>
        <translation>Una nueva segmentación</translation>
    </message>
    <message>
        <source>From the AI result {name}</source>
        <translation>A partir del resultado de la IA {name}</translation>
    </message>
    <message>
        <source>From the DICOM SEG {name}</source>
        <translation>A partir del DICOM SEG {name}</translation>
    </message>
    <message>
        <source>From the structure set {name}</source>
        <translation>A partir del RT Structure Set {name}</translation>
    </message>
    <message>
        <source>From {name}</source>
        <translation>A partir de {name}</translation>
    </message>
    <message>
        <source>(checksum {checksum}…)</source>
        <translation>(suma de verificación {checksum}…)</translation>
    </message>
    <message>
        <source>It is not changed: saving makes a new SEG series.</source>
        <translation>No se modifica: al guardar se crea una nueva serie SEG.</translation>
    </message>
    <message>
        <source>Editing stopped; the unsaved edits are kept and offered back when the series is opened</source>
        <translation>Edición detenida; las ediciones sin guardar se conservan y se ofrecen de nuevo al abrir la serie</translation>
    </message>
    <message>
        <source>unsaved</source>
        <translation>sin guardar</translation>
    </message>
    <message>
        <source>Undo memory {used} of {budget}</source>
        <translation>Memoria de deshacer {used} de {budget}</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>Nada que deshacer</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>Nada que rehacer</translation>
    </message>
    <message>
        <source>Start editing and choose a segment first</source>
        <translation>Empiece a editar y elija primero un segmento</translation>
    </message>
    <message>
        <source>Only a DICOM series can have a DICOM SEG: this picture has no series to refer to</source>
        <translation>Solo una serie DICOM puede tener un DICOM SEG: esta imagen no tiene serie a la que referirse</translation>
    </message>
    <message>
        <source>Saving edited segmentations as DICOM SEG is not available in this version</source>
        <translation>Guardar segmentaciones editadas como DICOM SEG no está disponible en esta versión</translation>
    </message>
    <message>
        <source>The SEG was not saved: {error}</source>
        <translation>El SEG no se guardó: {error}</translation>
    </message>
    <message>
        <source>Saving the edited SEG</source>
        <translation>Guardando el SEG editado</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}</source>
        <translation>Guardado como DICOM SEG: {path}</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}; edits made while it was written are not in it: save again</source>
        <translation>Guardado como DICOM SEG: {path}; las ediciones hechas mientras se escribía no están incluidas: guarde de nuevo</translation>
    </message>
    <message>
        <source>Unsaved segment edits of this series were found ({what}). Restore them? (No discards them.)</source>
        <translation>Se encontraron ediciones de segmentos sin guardar de esta serie ({what}). ¿Restaurarlas? (No las descarta.)</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Editor de segmentos</translation>
    </message>
    <message>
        <source>The unsaved edits were discarded</source>
        <translation>Las ediciones sin guardar se descartaron</translation>
    </message>
    <message>
        <source>The edits were made on {name}, which is not shown now: show it (run the model or open the SEG), then open the series again</source>
        <translation>Las ediciones se hicieron sobre {name}, que no se muestra ahora: muéstrelo (ejecute el modelo o abra el SEG) y vuelva a abrir la serie</translation>
    </message>
    <message>
        <source>a segmentation</source>
        <translation>una segmentación</translation>
    </message>
    <message>
        <source>The edits could not be restored: {error}</source>
        <translation>No se pudieron restaurar las ediciones: {error}</translation>
    </message>
    <message>
        <source>The unsaved edits were restored</source>
        <translation>Las ediciones sin guardar se restauraron</translation>
    </message>
</context>
<context>
    <name>QtShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atajos de teclado</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Teclas</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Acción</translation>
    </message>
</context>
<context>
    <name>QtStudyBrowser</name>
    <message>
        <source>Patient / study / series</source>
        <extracomment>The :class:`~viewer.core.dicom.scan.SkippedFile` of a non-image object&apos;s row.</extracomment>
        <translation>Paciente / estudio / serie</translation>
    </message>
    <message>
        <source>Mod</source>
        <translation>Mod</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Imágenes</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(sin nombre)</translation>
    </message>
    <message>
        <source>(study)</source>
        <translation>(estudio)</translation>
    </message>
    <message>
        <source>series {number}</source>
        <translation>serie {number}</translation>
    </message>
    <message>
        <source>(not an image: not shown in the views)</source>
        <translation>(no es una imagen: no se muestra en las vistas)</translation>
    </message>
</context>
<context>
    <name>QtTagBrowser</name>
    <message>
        <source>DICOM tags — {title}</source>
        <translation>Etiquetas DICOM — {title}</translation>
    </message>
    <message>
        <source>Filter by tag, keyword or value</source>
        <translation>Filtrar por etiqueta, palabra clave o valor</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Etiqueta</translation>
    </message>
    <message>
        <source>Keyword</source>
        <translation>Palabra clave</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <source>&lt;pixel data, {n} bytes&gt;</source>
        <translation>&lt;datos de píxeles, {n} bytes&gt;</translation>
    </message>
    <message>
        <source>&lt;sequence of {n} item(s)&gt;</source>
        <translation>&lt;secuencia de {n} elemento(s)&gt;</translation>
    </message>
    <message>
        <source>item {n}</source>
        <translation>elemento {n}</translation>
    </message>
</context>
<context>
    <name>QtViewport</name>
    <message>
        <source>Open a study: File ▸ Open folder (Ctrl+O), or drop files here</source>
        <extracomment>The drag-and-drop format of a series from the study browser: its key, in ASCII. The brush radius in millimetres (0: no outline, e.g. a seed click). Whether the outline is drawn in the eraser&apos;s colour. A series was dropped here from the study browser: ``(viewport, series key)``. A line for the status bar (e.g. why a tool does nothing here). The reader zoomed or panned this view (the comparison links zoom and pan): ``(viewport)``. Other viewports&apos; slices on this plane: segments ``((row, col), (row, col))`` (see :meth:`viewer.model.layout.LayoutModel.reference_lines`). The segment editor&apos;s brush while it is chosen (the left button paints), else ``None``.</extracomment>
        <translation>Abra un estudio: Archivo ▸ Abrir carpeta (Ctrl+O), o suelte archivos aquí</translation>
    </message>
    <message>
        <source>Key image</source>
        <translation>Imagen clave</translation>
    </message>
    <message>
        <source>({n} marked, only these shown)</source>
        <translation>({n} marcada(s), solo se muestran estas)</translation>
    </message>
    <message>
        <source>Time {n}/{total}</source>
        <translation>Tiempo {n}/{total}</translation>
    </message>
    <message>
        <source>Measurements are made on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to measure</source>
        <translation>Las mediciones se hacen en los planos adquiridos: desactive las reconstrucciones verdaderas y enderece el cursor en cruz oblicuo (Ctrl+Alt+0) para medir</translation>
    </message>
    <message>
        <source>Segments are painted on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to paint</source>
        <translation>Los segmentos se pintan en los planos adquiridos: desactive las reconstrucciones verdaderas y enderece el cursor en cruz oblicuo (Ctrl+Alt+0) para pintar</translation>
    </message>
    <message>
        <source>Segments are painted on one plane: turn off the thick slab to paint</source>
        <translation>Los segmentos se pintan en un solo plano: desactive el corte grueso para pintar</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>No batch open</source>
        <translation>Ningún lote abierto</translation>
    </message>
    <message>
        <source>Every status</source>
        <translation>Todos los estados</translation>
    </message>
    <message>
        <source>Flagged or not</source>
        <translation>Señaladas o no</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>Señaladas</translation>
    </message>
    <message>
        <source>Not flagged</source>
        <translation>No señaladas</translation>
    </message>
    <message>
        <source>from: any date</source>
        <translation>desde: cualquier fecha</translation>
    </message>
    <message>
        <source>Studies dated from this day (the earliest date: any)</source>
        <translation>Estudios con fecha desde este día (la fecha más antigua: cualquiera)</translation>
    </message>
    <message>
        <source>until: any date</source>
        <translation>hasta: cualquier fecha</translation>
    </message>
    <message>
        <source>Studies dated until this day (the earliest date: any)</source>
        <translation>Estudios con fecha hasta este día (la fecha más antigua: cualquiera)</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Lista de trabajo</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>Open the study with its result (Enter or double click)</source>
        <translation>Abrir el estudio con su resultado (Intro o doble clic)</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Leído</translation>
    </message>
    <message>
        <source>Mark as read, or not (R)</source>
        <translation>Marcar como leído, o no (R)</translation>
    </message>
    <message>
        <source>Agree</source>
        <translation>De acuerdo</translation>
    </message>
    <message>
        <source>Agree with the AI&apos;s result (A)</source>
        <translation>De acuerdo con el resultado de la IA (A)</translation>
    </message>
    <message>
        <source>Disagree</source>
        <translation>En desacuerdo</translation>
    </message>
    <message>
        <source>Disagree with the AI&apos;s result (D)</source>
        <translation>En desacuerdo con el resultado de la IA (D)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualizar</translation>
    </message>
    <message>
        <source>Read the batch and its threshold again</source>
        <translation>Volver a leer el lote y su umbral</translation>
    </message>
    <message>
        <source>Batch {name}: reading…</source>
        <translation>Lote {name}: leyendo…</translation>
    </message>
    <message>
        <source>Batch {name}</source>
        <translation>Lote {name}</translation>
    </message>
    <message>
        <source>Batch {name} · {pack} · {n} series ({done}) · {flagged} flagged</source>
        <translation>Lote {name} · {pack} · {n} series ({done}) · {flagged} señalada(s)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>ninguna</translation>
    </message>
    <message>
        <source>Threshold {threshold}</source>
        <translation>Umbral {threshold}</translation>
    </message>
    <message>
        <source>No series match these filters</source>
        <translation>Ninguna serie coincide con estos filtros</translation>
    </message>
    <message>
        <source>The mark was not kept: {error}</source>
        <translation>La marca no se conservó: {error}</translation>
    </message>
    <message>
        <source>Finding the study&apos;s files…</source>
        <translation>Buscando los archivos del estudio…</translation>
    </message>
    <message>
        <source>Opening the study…</source>
        <translation>Abriendo el estudio…</translation>
    </message>
    <message>
        <source>Another series of the study is shown: choose the batch&apos;s series in the browser</source>
        <translation>Se muestra otra serie del estudio: elija la serie del lote en el explorador</translation>
    </message>
    <message>
        <source>The AI panel is not there to show the result</source>
        <translation>El panel de IA no está para mostrar el resultado</translation>
    </message>
</context>
</TS>
